import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOne, findReturns } from './x86-length';

const len = (hex: string) => decodeOne(Buffer.from(hex.replace(/ /g, ''), 'hex'), 0)?.length;

test('instruction lengths of what Go and clang emit', () => {
  const cases: [string, number][] = [
    ['c3', 1], // ret
    ['55', 1], // push rbp
    ['48 89 e5', 3], // mov rbp, rsp
    ['49 3b 66 10', 4], // cmp rsp, [r14+0x10] (Go stack check)
    ['48 83 ec 18', 4], // sub rsp, 0x18
    ['48 8d 05 78 56 34 12', 7], // lea rax, [rip+disp32]
    ['48 b8 01 02 03 04 05 06 07 08', 10], // movabs rax, imm64
    ['b8 01 00 00 00', 5], // mov eax, imm32
    ['66 c7 40 08 34 12', 6], // mov word [rax+8], imm16
    ['c7 80 c4 00 00 00 00 00 00 00', 10], // mov dword [rax+0xc4], 0
    ['0f 84 8a 00 00 00', 6], // je rel32
    ['74 30', 2], // je rel8
    ['e8 00 00 00 00', 5], // call rel32
    ['ff 50 48', 3], // call [rax+0x48]
    ['f6 c1 01', 3], // test cl, 1
    ['f7 c1 01 00 00 00', 6], // test ecx, imm32
    ['f7 d8', 2], // neg eax
    ['0f 11 44 24 08', 5], // movups [rsp+8], xmm0
    ['66 0f 6f 04 24', 5], // movdqa xmm0, [rsp]
    ['44 0f 11 7c 24 20', 6], // movups [rsp+0x20], xmm15 (Go zeroing)
    ['c5 fe 6f 06', 4], // vmovdqu ymm0, [rsi] (VEX2)
    ['c4 e3 7d 39 c1 01', 6], // vextracti128 (VEX3, map 0F3A, imm8)
    ['0f 1f 44 00 00', 5], // nopl
    ['66 2e 0f 1f 84 00 00 00 00 00', 10], // nopw cs:[rax+rax]
    ['f0 48 0f b1 0e', 5], // lock cmpxchg [rsi], rcx
    ['64 48 8b 04 25 28 00 00 00', 9], // mov rax, fs:0x28
    ['cc', 1],
  ];
  for (const [hex, n] of cases) assert.equal(len(hex), n, hex);
});

test('unknown opcodes and truncated instructions give no length', () => {
  assert.equal(len('06'), undefined); // push es: invalid in 64-bit mode
  assert.equal(len('48 8d'), undefined);
  assert.equal(len('e8 00 00'), undefined);
});

test('findReturns: RETs at instruction boundaries only, and only when the walk ends exactly', () => {
  // mov eax, 0xc3c3c3c3; ret; int3 — the C3 bytes inside the immediate are not returns.
  assert.deepEqual(findReturns(Buffer.from('b8c3c3c3c3c3cc', 'hex')), [5]);
  assert.equal(findReturns(Buffer.from('b8c3c3', 'hex')), undefined);
  assert.equal(findReturns(Buffer.from('c306', 'hex')), undefined);
});
