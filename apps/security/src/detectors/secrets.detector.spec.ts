import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SecretsDetector, redact } from './secrets.detector';
import { luhnValid } from '../secret-patterns';
import { toolCall } from '../test-builders';

const det = new SecretsDetector();
function kinds(text: string, field = 'f'): string[] {
  const f = det.detect({ msg: toolCall({}), method: 'tools/call', direction: 'response', texts: [{ field, text, context: 'result', origin: 'plain' }] });
  return (f[0]?.details?.kinds as string[] | undefined) ?? [];
}
/** The kinds found in a tool result's first text block. */
const resultKinds = (text: string) => kinds(text, 'result.content[0].text');
const scoreOf = (text: string) => det.detect({ msg: toolCall({}), method: 'tools/call', direction: 'request', texts: [{ field: 'f', text, context: 'argument', origin: 'plain' }] })[0]?.score ?? 0;

describe('SecretsDetector', () => {
  test('provider keys, private keys, JWTs, URL passwords', () => {
    assert.deepEqual(kinds('id AKIAQ3EGT7LMWRX4PZ2K'), ['aws_access_key']);
    assert.deepEqual(kinds('token: ghp_7Hq2Lx9VbN4mK8cR1tZ5wY3pD6sF0aG2jE4u'), ['github_token']);
    assert.deepEqual(kinds('-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl'), ['private_key']);
    assert.deepEqual(kinds('Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0IiwibmFtZSI6IkEifQ.kX9vL2mQ7pR4tZ8wY1nB6cF3hJ5sD0aG'), ['jwt']);
    assert.deepEqual(kinds('mysql://root:Tr0ub4dor&3x@10.0.4.12:3306/prod'), ['password_in_url']);
    assert.ok(scoreOf('-----BEGIN RSA PRIVATE KEY-----') >= 0.9);
  });
  test('documentation placeholders and test data are not leaks', () => {
    assert.deepEqual(kinds('aws_access_key_id = AKIAIOSFODNN7EXAMPLE'), []);
    assert.deepEqual(kinds('postgres://app:${DB_PASSWORD}@localhost/app'), []);
    assert.deepEqual(kinds('card 4242 4242 4242 4242 works in test mode'), []);
    assert.deepEqual(kinds('contact alice@example.com'), []);
    assert.deepEqual(kinds('eyJub3QiOiJqd3QifQ.eyJhIjoiYiJ9.c2lnbmF0dXJlc2lnbmF0dXJl'), []);
  });
  test('card numbers need a valid Luhn checksum and a network prefix', () => {
    assert.ok(luhnValid('4539148803436467'));
    assert.ok(!luhnValid('4539148803436468'));
    assert.deepEqual(kinds('card 4539 1488 0343 6467 exp 09/27'), ['card_number']);
    assert.deepEqual(kinds('order 4539 1488 0343 6468'), []);
    assert.deepEqual(kinds('phone 1234567890123'), []);
  });
  test('one e-mail is low risk; a list of them is a dump', () => {
    assert.ok(scoreOf('mail priya@fastmail.com') < 0.5);
    assert.ok(scoreOf('a@acme.io b@globex.com c@initech.io d@hooli.xyz') >= 0.6);
  });
  test('evidence is redacted but located', () => {
    const text = 'key=AKIAQ3EGT7LMWRX4PZ2K;';
    const f = det.detect({ msg: toolCall({}), method: 'tools/call', direction: 'response', texts: [{ field: 'x.y', text, context: 'result', origin: 'plain' }] })[0]!;
    const ev = f.evidence[0]!;
    assert.equal(text.slice(ev.start, ev.end), 'AKIAQ3EGT7LMWRX4PZ2K');
    assert.equal(ev.text, 'AKIAQ3EG…PZ2K');
    assert.equal(f.category, 'data_leak');
    assert.equal(redact('-----BEGIN RSA PRIVATE KEY-----MIIE'), '-----BEGIN RSA PRIVATE KEY-----…');
  });
  test('a login handed over, social security numbers; attribution addresses are not leaks', () => {
    assert.deepEqual(kinds('the staging login is ops / Tq4#wLm92xZ if you need it'), ['user_password_pair']);
    assert.deepEqual(kinds('patients.csv\nname,ssn\nA. Diaz,521-33-8076'), ['ssn']);
    assert.deepEqual(kinds('login page lives in src/LoginForm2.tsx'), []);
    assert.deepEqual(kinds('2023-01-02  Ann Lee  <ann.lee@corp.io>\n\t* fix.c: fix.\nSigned-off-by: Bo Chen <bo.chen@corp.io>\nReviewed-by: Cy Park <cy@corp.io>'), []);
    assert.deepEqual(kinds('Contacts: ann.lee@corp.io, bo.chen@corp.io, cy@corp.io'), ['email']);
  });
  test('round 7: a bounce report and a quoted reply name their recipients as attribution', () => {
    assert.deepEqual(kinds('Reporting-MTA: dns; mx1.corp.io\nFinal-Recipient: rfc822; ann.lee@corp.io\nOriginal-Recipient: rfc822;bo.chen@corp.io\nAction: failed'), []);
    assert.deepEqual(kinds('> From: ann.lee@corp.io\n> To: bo.chen@corp.io\n> Cc: cy@corp.io\n> see below'), []);
  });
});


describe('secrets, round 8: prose about passwords and ids are not leaks', () => {
  test('"password" followed by an ordinary word is prose', () => {
    assert.deepEqual(resultKinds('Your password expires. The file is password protected. Use a password-manager.'), []);
    assert.ok(resultKinds('The wifi password is Gr33n-Tea!77 for guests.').includes('password_assignment'));
  });
  test('an unbroken 16-digit number needs a card word nearby', () => {
    assert.deepEqual(resultKinds('Tracking id 4539148803436467 was created.'), []);
    assert.ok(resultKinds('card: 4539148803436467 exp 09/28').includes('card_number'));
    assert.ok(resultKinds('Paid with 4539 1488 0343 6467 yesterday.').includes('card_number'));
  });
});

describe('secrets, round 9: an e-mail names its correspondents; a number named as an account or invoice is no card', () => {
  test('folded header lines, the mbox From line, SMTP replies, a report listing its recipients, "… wrote:"', () => {
    assert.deepEqual(resultKinds('To: ann.lee@corp.io,\n\tbo.chen@corp.io,\n  cy.park@corp.io\nSubject: lunch'), []);
    assert.deepEqual(resultKinds('From ann.lee@corp.io  Fri Nov 26 21:40:36 2004\nSubject: hi'), []);
    assert.deepEqual(resultKinds('550 5.1.1 <ann.lee@corp.io>... User unknown\n554 Too many hops: from <bo.chen@corp.io> via mx, to <cy@corp.io>'), []);
    assert.deepEqual(resultKinds('The following addresses had errors:\n<ann.lee@corp.io>  (unrecoverable error)\n  <bo.chen@corp.io>: 550 no such user'), []);
    assert.deepEqual(resultKinds('On Mon, 5 Jan, ann.lee@corp.io wrote:\n> see you'), []);
    assert.deepEqual(resultKinds('Content-ID: <19981222151406.I-D@ietf.org>\nOriginal-envelope-id: 0GK500B4HD0888@mx.corp.io'), []);
    assert.deepEqual(resultKinds('Return bounce SRS0=aO/p=ON=corp.io=ann@bounce.pobox.com'), []);
  });
  test('the same addresses in a body are still counted, and three make a dump', () => {
    assert.deepEqual(resultKinds('Body text: ann.lee@corp.io, bo.chen@corp.io and cy.park@corp.io are the new admins'), ['email']);
    assert.ok(scoreOf('list: ann.lee@corp.io, bo.chen@corp.io, cy.park@corp.io') >= 0.6);
  });
  test('an account or invoice number is not a card unless a card word says so', () => {
    assert.deepEqual(resultKinds('Please pay invoice INV-2024-00817 (account number 4539148803436467) by Friday. Payment terms: 30 days.'), []);
    assert.deepEqual(resultKinds('Invoice #5105 1051 0510 5101, payment due'), []);
    assert.ok(resultKinds('Account 4539 1488 0343 6467, the card on file').includes('card_number'));
    assert.ok(resultKinds('Paid with 4539 1488 0343 6467 yesterday.').includes('card_number'));
  });
});

describe('secrets, round 9: a documentation example password is not a leak', () => {
  test('"secret123", "hunter2", "password1" in an example; a chosen one still is', () => {
    assert.deepEqual(resultKinds("const obj = { username: 'john', password: 'secret123' }"), []);
    assert.deepEqual(resultKinds('password=hunter22 and password: Password1'), []);
    assert.ok(resultKinds("const obj = { password: 'Tr0ub4dor&3x' }").includes('password_assignment'));
    assert.ok(resultKinds('Your new password: Welcome2024! Change it at first login.').includes('password_assignment'));
  });
});

describe('secrets, round 9: code that names where a password lives is not a leak', () => {
  test('a dotted path or a constant after "password:"', () => {
    assert.deepEqual(resultKinds('password: SEARCH_PROBE_SINGLE_DB_USER.password,\npassword = settings.db.password'), []);
    assert.deepEqual(resultKinds('password: DEFAULT_ADMIN_PASSWORD'), []);
    assert.ok(resultKinds('password: Secret_Pass.2024').includes('password_assignment'));
  });
});

describe('credential files by format (round 9)', () => {
  const fieldKinds = (field: string, text: string) => kinds(text, field);
  test('.pgpass, .netrc, .npmrc, kubeconfig and OAuth tokens are leaks', () => {
    assert.ok(kinds('db.prod.internal:5432:*:billing:T7v!pq93LmZe').includes('pgpass_line'));
    assert.ok(kinds('machine api.heroku.com\n  login pat@acme.io\n  password 7d1f3a9c-44b2-4e8a').includes('netrc_entry'));
    assert.ok(kinds('//registry.npmjs.org/:_authToken=Qw8Er2Ty6Ui0Op4As8Df2Gh6Jk0Lz3Xc7Vb').includes('npmrc_auth_token'));
    assert.ok(kinds('users:\n- name: ci\n  user:\n    token: kx8Lm2Nq5Rt9Vw3Yz7Bc1Df4Gh6Jk0Lp').includes('kubeconfig_credential'));
    assert.ok(kinds('ya29.a0AfB_byC8kL2mN5pQ9sT3vW7yZ1bD4fG6h').includes('google_oauth_token'));
    assert.deepEqual(fieldKinds('result.content[0].text#json.refresh_token', 'r8Tq2Lx9Vb4mK8cR1tZ5wY3pD6sF0aG'), ['credential_field']);
  });
  test('placeholders and references in the same formats are not', () => {
    assert.deepEqual(kinds('localhost:5432:mydb:myuser:<password>'), []);
    assert.deepEqual(kinds('hostname:port:database:username:password'), []);
    assert.deepEqual(kinds('machine example.com login me password ${NETRC_PASSWORD}'), []);
    assert.deepEqual(kinds('//registry.npmjs.org/:_authToken=${NPM_TOKEN}'), []);
    assert.deepEqual(kinds('    token: <your-token-here>'), []);
    assert.deepEqual(fieldKinds('result.content[0].text#json.access_token', 'your-access-token'), []);
    assert.deepEqual(fieldKinds('result.content[0].text#json.token_type', 'Bearer'), []);
    assert.deepEqual(fieldKinds('result.content[0].text#json.password', 'password'), []);
  });
});
