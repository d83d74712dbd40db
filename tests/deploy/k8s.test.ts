/**
 * deploy/k8s: every document validated against the Kubernetes schemas of the
 * `kubernetes-models` package (no cluster here), unknown fields rejected by
 * type-checking, then the cross-references and privileges that a schema
 * cannot see: selectors, Services, Secrets, ConfigMaps, PVCs, the HPA target,
 * the probe's host access, and the settings read back by the real config loader.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { configFromEnv } from '@mcpspy/runtime';
import { K8S_DIR, NATS_CONF, STAGE_SERVICES, readYaml, readYamlDocuments } from './deploy-helpers';
import { K8sDoc, schemaError, typeErrors } from './k8s-models';

const files = readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
const docs: Array<{ label: string; doc: K8sDoc }> = files.flatMap((f) =>
  readYamlDocuments(join(K8S_DIR, f)).map((doc, i) => ({ label: `${f}#${i} ${doc.kind}/${doc.metadata?.name}`, doc })),
);

function all(kind: string): K8sDoc[] {
  return docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
}
function one(kind: string, name: string): K8sDoc {
  const d = docs.find((x) => x.doc.kind === kind && x.doc.metadata?.name === name);
  assert.ok(d, `${kind}/${name} exists`);
  return d.doc;
}
const workloads = () => [...all('Deployment'), ...all('DaemonSet'), ...all('StatefulSet')];
const podSpec = (w: K8sDoc) => w.spec.template.spec;
const stageWorkload = (stage: string) =>
  workloads().find((w) => podSpec(w).containers.some((c: any) => c.args?.[0] === 'serve' && c.args?.[1] === stage));

/** Environment a stage container sees: envFrom ConfigMaps, then env with $(VAR) expanded and secrets filled in. */
function containerEnv(c: any, secretValue = (name: string, key: string) => `<${name}/${key}>`): Record<string, string> {
  const env: Record<string, string> = {};
  for (const src of c.envFrom ?? []) Object.assign(env, one('ConfigMap', src.configMapRef.name).data);
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v) => env[v] ?? m);
    else if (e.valueFrom?.secretKeyRef) env[e.name] = secretValue(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    else if (e.valueFrom?.fieldRef) env[e.name] = `<${e.valueFrom.fieldRef.fieldPath}>`;
  }
  return env;
}

describe('Kubernetes manifests: schemas', () => {
  test('there is something to validate', () => {
    assert.ok(docs.length >= 15, `found ${docs.length} documents`);
  });

  test('every document is valid against its Kubernetes schema', () => {
    const errors = docs.map(({ label, doc }) => [label, schemaError(doc)]).filter(([, e]) => e);
    assert.deepEqual(errors, []);
  });

  test('the schema check rejects a wrong type (it can fail)', () => {
    const bad = structuredClone(one('Deployment', 'mcpspy-sink'));
    bad.spec.replicas = 'one';
    bad.spec.template.spec.containers[0].ports[0].containerPort = '9464';
    assert.match(schemaError(bad) ?? '', /must be integer/);
    assert.match(schemaError({ apiVersion: 'apps/v1', kind: 'Deploymnet' }) ?? '', /no schema/);
  });

  test('no document has a field unknown to the API (type-checked), and a misspelt field is caught', () => {
    const typo = structuredClone(one('DaemonSet', 'mcpspy-probe'));
    typo.spec.template.spec.hostPid = true;
    const errors = typeErrors([...docs, { label: 'MUTATED', doc: typo }]);
    assert.deepEqual(errors.filter((e) => !e.startsWith('MUTATED')), []);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /'"hostPid"' does not exist/);
  });

  test('kustomization.yaml applies every manifest file, in the mcpspy namespace', () => {
    const k = readYaml(join(K8S_DIR, 'kustomization.yaml'));
    assert.equal(k.kind, 'Kustomization');
    assert.deepEqual([...k.resources].sort(), files);
    assert.equal(k.namespace, 'mcpspy');
    for (const { label, doc } of docs) {
      if (doc.kind !== 'Namespace') assert.equal(doc.metadata?.namespace, 'mcpspy', label);
    }
  });
});

describe('Kubernetes manifests: references and privileges', () => {
  test('the probe is a privileged hostPID DaemonSet with the host mounts BPF needs', () => {
    const ds = one('DaemonSet', 'mcpspy-probe');
    const spec = podSpec(ds);
    assert.equal(spec.hostPID, true);
    const c = spec.containers[0];
    assert.equal(c.securityContext.privileged, true);
    assert.deepEqual(c.args, ['serve', 'probe']);
    const mounts = new Map<string, any>(c.volumeMounts.map((m: any) => [m.mountPath, m]));
    const hostPaths = new Map<string, string>(spec.volumes.map((v: any) => [v.name, v.hostPath?.path]));
    const want: Array<[string, string, boolean]> = [
      ['/sys/kernel/debug', '/sys/kernel/debug', true],
      ['/sys/kernel/tracing', '/sys/kernel/tracing', false],
      ['/sys/fs/bpf', '/sys/fs/bpf', false],
      ['/sys/kernel/btf', '/sys/kernel/btf', true],
      ['/host/proc', '/proc', true],
    ];
    for (const [mountPath, hostPath, readOnly] of want) {
      const m = mounts.get(mountPath);
      assert.ok(m, `mount at ${mountPath}`);
      assert.equal(hostPaths.get(m.name), hostPath, `${mountPath} comes from host ${hostPath}`);
      assert.equal(m.readOnly === true, readOnly, `${mountPath} readOnly=${readOnly}`);
    }
    assert.equal(containerEnv(c).MCPSPY_HOST_PROC, '/host/proc');
    assert.ok(spec.tolerations.some((t: any) => t.operator === 'Exists' && !t.key), 'runs on tainted nodes too');
    const ns = one('Namespace', 'mcpspy');
    assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
  });

  test('only the probe is privileged; the other stages run as non-root without privilege escalation', () => {
    for (const stage of STAGE_SERVICES.filter((s) => s !== 'probe')) {
      const w = stageWorkload(stage)!;
      assert.equal(w.kind, 'Deployment', stage);
      const spec = podSpec(w);
      assert.equal(spec.hostPID, undefined, stage);
      assert.equal(spec.securityContext.runAsNonRoot, true, stage);
      assert.equal(spec.containers[0].securityContext.allowPrivilegeEscalation, false, stage);
      assert.equal(spec.containers[0].securityContext.privileged, undefined, stage);
    }
  });

  test('the HorizontalPodAutoscaler (autoscaling/v2) targets the security Deployment', () => {
    const hpas = all('HorizontalPodAutoscaler');
    assert.equal(hpas.length, 1);
    const hpa = docs.find((d) => d.doc.kind === 'HorizontalPodAutoscaler')!;
    assert.equal(hpa.doc.apiVersion, 'autoscaling/v2');
    const ref = hpa.doc.spec.scaleTargetRef;
    assert.deepEqual(ref, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'mcpspy-security' });
    const target = one('Deployment', ref.name);
    assert.deepEqual(podSpec(target).containers[0].args, ['serve', 'security']);
    // A fixed replica count would be reset by every `kubectl apply`, fighting the HPA.
    assert.equal(target.spec.replicas, undefined);
    assert.ok(hpa.doc.spec.minReplicas >= 1 && hpa.doc.spec.maxReplicas > hpa.doc.spec.minReplicas);
    assert.ok(hpa.doc.spec.metrics.length > 0);
  });

  test('every stage runs `serve <stage>` with /healthz probes and a metrics Service on 9464', () => {
    for (const stage of STAGE_SERVICES) {
      const w = stageWorkload(stage);
      assert.ok(w, `a workload serves ${stage}`);
      const c = podSpec(w).containers[0];
      const port = c.ports.find((p: any) => p.name === 'metrics');
      assert.equal(port?.containerPort, 9464, stage);
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        assert.equal(c[probe]?.httpGet?.path, '/healthz', `${stage} ${probe}`);
        assert.equal(c[probe]?.httpGet?.port, 'metrics', `${stage} ${probe}`);
      }
      const labels = w.spec.template.metadata.labels;
      const svc = all('Service').find(
        (s) => Object.entries(s.spec.selector).every(([k, v]) => labels[k] === v) && s.spec.ports.some((p: any) => p.port === 9464),
      );
      assert.ok(svc, `${stage} has a metrics Service`);
      assert.equal(svc.metadata?.name, `${w.metadata?.name}-metrics`);
    }
  });

  test('no stage sets NODE_OPTIONS: its heap flags come from the command (apps/cli/src/node-flags.ts), as in docker-compose.yml', () => {
    for (const stage of STAGE_SERVICES) {
      const c = podSpec(stageWorkload(stage)!).containers[0];
      assert.equal(containerEnv(c).NODE_OPTIONS, undefined, stage);
    }
  });

  test('stage settings parse with the real config loader', () => {
    const secrets = one('Secret', 'mcpspy-secrets').stringData!;
    for (const stage of STAGE_SERVICES) {
      const c = podSpec(stageWorkload(stage)!).containers[0];
      const env = containerEnv(c, (name, key) => (name === 'mcpspy-secrets' ? secrets[key] : ''));
      const cfg = configFromEnv(env);
      assert.equal(cfg.natsUrl, 'nats://nats.mcpspy.svc:4222', stage);
      if (stage === 'web') {
        // The web view keeps no shared state: no Redis login to hold.
        assert.equal(cfg.redisUrl, undefined, stage);
        assert.deepEqual(cfg.web, { host: '0.0.0.0', port: 8080 });
        assert.equal(cfg.webToken, secrets['web-token']);
        assert.equal(cfg.instance, 'web');
      } else {
        assert.equal(cfg.redisUrl, 'redis://redis.mcpspy.svc:6379', stage);
        assert.equal(cfg.redisAuth.password, secrets['redis-password'], stage);
      }
      assert.deepEqual([cfg.natsAuth.user, cfg.natsAuth.password], [stage, secrets[`nats-password-${stage}`]], `${stage} logs in as its own NATS user`);
      assert.equal(cfg.metricsAddr, '0.0.0.0', `${stage}: the kubelet probes the pod IP`);
      assert.equal(cfg.metricsPort, 9464, stage);
      assert.equal(cfg.security, stage === 'security', stage);
      if (stage === 'sink') {
        assert.equal(cfg.output, '/data/mcpspy.jsonl');
        assert.equal(cfg.instance, 'sink');
      }
    }
    // Replicas of security must not be told apart by a fixed name (see compose).
    assert.equal(containerEnv(podSpec(stageWorkload('security')!).containers[0]).MCPSPY_INSTANCE, undefined);
    assert.equal(containerEnv(podSpec(stageWorkload('probe')!).containers[0]).MCPSPY_INSTANCE, 'probe-<spec.nodeName>');
  });

  test('selectors match their pod templates, and every Service selects some pods', () => {
    for (const w of workloads()) {
      const labels = w.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels)) assert.equal(labels[k], v, `${w.kind}/${w.metadata?.name}`);
    }
    for (const s of all('Service')) {
      const hit = workloads().some((w) => Object.entries(s.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v));
      assert.ok(hit, `Service ${s.metadata?.name} selects a workload`);
      for (const p of s.spec.ports) {
        if (typeof p.targetPort !== 'string') continue;
        const named = workloads().some((w) => podSpec(w).containers.some((c: any) => (c.ports ?? []).some((cp: any) => cp.name === p.targetPort)));
        assert.ok(named, `Service ${s.metadata?.name} targetPort ${p.targetPort} is a named container port`);
      }
    }
  });

  test('every referenced Secret key, ConfigMap, PVC and StatefulSet service exists', () => {
    const secretKeys = new Map(all('Secret').map((s) => [s.metadata!.name!, Object.keys({ ...s.data, ...s.stringData })]));
    const configMaps = new Set(all('ConfigMap').map((c) => c.metadata!.name!));
    const pvcs = new Set(all('PersistentVolumeClaim').map((c) => c.metadata!.name!));
    let refs = 0;
    for (const w of workloads()) {
      const spec = podSpec(w);
      for (const c of spec.containers) {
        for (const e of c.env ?? []) {
          const r = e.valueFrom?.secretKeyRef;
          if (r) {
            refs++;
            assert.ok(secretKeys.get(r.name)?.includes(r.key), `${w.metadata?.name}: secret ${r.name}/${r.key}`);
          }
        }
        for (const src of c.envFrom ?? []) {
          refs++;
          assert.ok(configMaps.has(src.configMapRef.name), `${w.metadata?.name}: configmap ${src.configMapRef.name}`);
        }
      }
      for (const v of spec.volumes ?? []) {
        if (v.configMap) assert.ok(configMaps.has(v.configMap.name), `${w.metadata?.name}: volume configmap ${v.configMap.name}`);
        if (v.persistentVolumeClaim) assert.ok(pvcs.has(v.persistentVolumeClaim.claimName), `${w.metadata?.name}: pvc ${v.persistentVolumeClaim.claimName}`);
      }
    }
    assert.ok(refs >= 10, `found ${refs} references`);
    for (const ss of all('StatefulSet')) one('Service', ss.spec.serviceName);
  });

  test('the NATS ConfigMap carries the same settings as deploy/nats/nats.conf', () => {
    const strip = (s: string) =>
      s.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l.length > 0);
    assert.deepEqual(strip(one('ConfigMap', 'nats-config').data!['nats.conf']), strip(readFileSync(NATS_CONF, 'utf8')));
  });
});
