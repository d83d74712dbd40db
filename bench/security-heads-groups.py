#!/usr/bin/env python3
# Round 15b (apps/security/README.md): do heads that read meaning carry across writers better than the n-gram model?
# Leave a group of writers out, train on the rest, and rank the held-out writers' attacks against their own tricky
# benign texts with each model. Two modes:
#
#   python3 bench/security-heads-groups.py train DIR [--mlp-rows MLP.jsonl] [--filters 16] [--epochs 10]
#     DIR is made by bench/security-heads-prep.mjs from the n-gram trainer's --leave-out dump. Trains, on the training
#     rows only (5 folds for out-of-fold scores, then all rows):
#       sem   the semantic head (semantic.ts features: pooled GloVe vectors of the window, MLP 602-32-1, Adam);
#       ord   the word-order head (order.ts: convolution widths 2-4 over GloVe vectors; bench/security-train-order.py
#             does the gradient steps, on the rows the n-gram gate lets through plus every attack, as in round 8);
#     and the stacks: a logistic layer over [n-gram margin, head score] fitted out of fold on the gated rows (n-gram
#     p >= 0.05), combined p = the stack where the gate opens, the n-gram p elsewhere (the detector's mechanism).
#     --no-order: leave the order head out (it is the slow one); --merge: the order head only, added to DIR/scores.json. --mlp-rows: the same rows dumped by the trainer with --mlp (the hidden-layer n-gram model), for (ii) and its
#     stack. Writes DIR/scores.json: per held-out sample (writer, id, label, English or not) every model's score.
#   python3 bench/security-heads-groups.py report DIR1 DIR2 … [--json OUT]
#     ROC AUC and recall at 2% and 5% FP of the held-out samples (a sample scores as its strongest text; the
#     threshold is read on the held-out writers' own benign samples), per group and pooled over the groups (pooled on
#     calibrated probabilities, so scores of different groups' models compare), and pooled for text that reads as
#     English and text that does not.
import json
import os
import subprocess
import sys
import time

import numpy as np

args = sys.argv[1:]


def opt(name, default):
    return type(default)(args[args.index(name) + 1]) if name in args else default


GATE = 0.05
K = 5


def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -40, 40)))


def logistic(Xs, y, iters=3000, lr=0.5):
    """Calibrated logistic layer with Platt's targets (no class weights), plain gradient descent on standardised inputs."""
    X = np.column_stack(Xs + [np.ones(len(y))])
    mu = X[:, :-1].mean(0)
    sd = X[:, :-1].std(0) + 1e-9
    Z = X.copy()
    Z[:, :-1] = (X[:, :-1] - mu) / sd
    pos, neg = y.sum(), len(y) - y.sum()
    t = np.where(y > 0, (pos + 1) / (pos + 2), 1 / (neg + 2))
    w = np.zeros(Z.shape[1])
    for _ in range(iters):
        p = sigmoid(Z @ w)
        w -= lr * Z.T @ (p - t) / len(y)
    return lambda Xn: sigmoid(((np.column_stack(Xn) - mu) / sd) @ w[:-1] + w[-1])


def fit_mlp(X, y, H=32, epochs=12, lr=0.003, l2=1e-4, batch=512, seed=1):
    """MLP F-H-1 (ReLU), Adam, classes balanced by weight; returns a scoring function of raw features."""
    rng = np.random.default_rng(seed)
    mu = X.mean(0)
    sd = X.std(0) + 1e-6
    Z = ((X - mu) / sd).astype(np.float32)
    F = Z.shape[1]
    P = [rng.standard_normal((F, H)).astype(np.float32) / np.sqrt(F), np.zeros(H, np.float32),
         rng.standard_normal(H).astype(np.float32) / np.sqrt(H), np.zeros(1, np.float32)]
    m1 = [np.zeros_like(p) for p in P]
    m2 = [np.zeros_like(p) for p in P]
    pos = y.sum()
    wpos = (len(y) - pos) / max(1, pos)
    cw = np.where(y > 0, wpos, 1.0).astype(np.float32)
    cw /= cw.mean()
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for s in range(0, len(y), batch):
            b = order[s:s + batch]
            h = np.maximum(Z[b] @ P[0] + P[1], 0)
            out = h @ P[2] + P[3][0]
            g = (sigmoid(out) - y[b]) * cw[b] / len(b)
            dh = np.outer(g, P[2]) * (h > 0)
            grads = [Z[b].T @ dh + l2 * P[0], dh.sum(0), h.T @ g + l2 * P[2], np.array([g.sum()], np.float32)]
            step += 1
            for k in range(4):
                m1[k] = 0.9 * m1[k] + 0.1 * grads[k]
                m2[k] = 0.999 * m2[k] + 0.001 * grads[k] ** 2
                P[k] -= (lr * (m1[k] / (1 - 0.9 ** step)) / (np.sqrt(m2[k] / (1 - 0.999 ** step)) + 1e-8)).astype(np.float32)
    return lambda Xn: (np.maximum(((Xn - mu) / sd).astype(np.float32) @ P[0] + P[1], 0) @ P[2] + P[3][0]).astype(np.float64)


def order_scores(DIR, models, rows):
    """Float forward pass of the order head (as in security-train-order.py) for the given rows."""
    meta = json.load(open(f'{DIR}/meta.json'))
    N, T, V, D = meta['rows'], meta['maxTokens'], meta['words'], meta['dims']
    toks = np.fromfile(f'{DIR}/tokens.i32', dtype=np.int32).reshape(N, T)[rows]
    lens = np.fromfile(f'{DIR}/lengths.i32', dtype=np.int32)[rows]
    G = np.zeros((V + 1, D), dtype=np.float32)
    G[:V] = np.fromfile(f'{DIR}/vectors.f32', dtype=np.float32).reshape(V, D)
    toks = np.where(toks < 0, V, toks)
    Fn = models['filters']
    p = models['full']
    out = np.empty(len(rows))
    for s0 in range(0, len(rows), 512):
        X = G[toks[s0:s0 + 512]]
        L = lens[s0:s0 + 512]
        pooled = []
        for wi, w in enumerate((2, 3, 4)):
            Wm = np.array(p['W'][wi], dtype=np.float32).reshape(w * D, Fn)
            P_ = T - w + 1
            U = np.concatenate([X[:, k:k + P_, :] for k in range(w)], axis=2)
            Zc = U @ Wm + np.array(p['b'][wi], dtype=np.float32)
            valid = np.arange(P_)[None, :] <= np.maximum(0, L[:, None] - w)
            Zc = np.where(valid[:, :, None], Zc, -np.inf)
            pooled.append(np.maximum(Zc.max(axis=1), 0))
        Hh = np.concatenate(pooled, axis=1)
        out[s0:s0 + 512] = Hh @ np.array(p['out']) + p['outB']
    return out


def train_mode():
    DIR = args[1]
    t0 = time.time()
    meta = json.load(open(f'{DIR}/meta.json'))
    N, F = meta['rows'], meta['features']
    sets = np.array(meta['set'])
    fold = np.array(meta['fold'])
    y = np.array(meta['y'], dtype=np.float32)
    M = np.array(meta['margin'])
    a, b = meta['platt']
    pN = sigmoid(a * M + b)
    tr = np.where(sets == 'train')[0]
    lo = np.where(sets == 'leftout')[0]
    X = np.fromfile(f'{DIR}/X.f32', dtype=np.float32).reshape(N, F)
    X = np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)
    scores = {'lin': M}

    # (ii) the hidden-layer n-gram model: its own dump of the same rows
    if '--mlp-rows' in args:
        mrows = [json.loads(l) for l in open(opt('--mlp-rows', ''))]
        assert len(mrows) == N and all(int(r['y']) == int(y[i]) and r['set'] == sets[i] for i, r in enumerate(mrows)), 'the --mlp dump has other rows'
        scores['mlp'] = np.array([r['margin'] for r in mrows])

    # (iii) semantic head, out of fold then on every training row
    S = np.zeros(N)
    cached = f'{DIR}/sem-scores.f64'
    MERGE = '--merge' in args  # order head only, its scores added to an existing scores.json
    for k in range(K if not (os.path.exists(cached) or MERGE) else 0):
        fit_idx = tr[fold[tr] != k]
        f = fit_mlp(X[fit_idx], y[fit_idx], epochs=opt('--sem-epochs', 12), seed=1 + k)
        te = tr[fold[tr] == k]
        S[te] = f(X[te])
        print(f'semantic fold {k}: {time.time() - t0:.0f} s', flush=True)
    if os.path.exists(cached):
        S = np.fromfile(cached, dtype=np.float64)
    elif MERGE:
        pass
    else:
        f = fit_mlp(X[tr], y[tr], epochs=opt('--sem-epochs', 12), seed=9)
        S[lo] = f(X[lo])
        S.tofile(cached)
    if not MERGE or os.path.exists(cached):
        scores['sem'] = S
    print(f'semantic head: {time.time() - t0:.0f} s', flush=True)

    # (iv) order head: security-train-order.py on the same rows and folds (meta.json carries y, fold and pNgram)
    here = os.path.dirname(os.path.abspath(__file__))
    if '--no-order' in args:
        pass
    elif not os.path.exists(f'{DIR}/models.json'):
        subprocess.run([sys.executable, f'{here}/security-train-order.py', DIR, '--filters', str(opt('--filters', 16)),
                        '--epochs', str(opt('--epochs', 10)), '--train-gate', str(GATE)], check=True)
    if '--no-order' not in args:
        models = json.load(open(f'{DIR}/models.json'))
        O = np.array(models['oofFloat'], dtype=np.float64)
        O[lo] = order_scores(DIR, models, lo)
        scores['ord'] = O
        print(f'order head: {time.time() - t0:.0f} s', flush=True)

    # calibration of each score (Platt, out of fold on the training rows) and the stacks with the n-gram margin
    cal = {}
    for name in list(scores):
        s = scores[name]
        cal[name] = logistic([s[tr]], y[tr])([s])
    for name in [n for n in ('mlp', 'sem', 'ord') if n in scores]:
        s = scores[name]
        comb = pN.copy()
        for k in range(K):
            g = tr[(fold[tr] != k) & (pN[tr] >= GATE)]
            st = logistic([M[g], s[g]], y[g])
            te = tr[(fold[tr] == k) & (pN[tr] >= GATE)]
            comb[te] = st([M[te], s[te]])
        g = tr[pN[tr] >= GATE]
        st = logistic([M[g], s[g]], y[g])
        gl = lo[pN[lo] >= GATE]
        comb[gl] = st([M[gl], s[gl]])
        cal[f'lin+{name}'] = comb
        # the same stack without the gate (every row re-scored): a ranking measure of what the head adds
        st2 = logistic([M[tr], s[tr]], y[tr])
        cal[f'lin+{name} ungated'] = st2([M, s])
    cal['lin'] = pN  # the n-gram model's own calibration (the dump's Platt layer)

    # held-out samples: a sample scores as its strongest text
    samples = {}
    for i in lo:
        key = (meta['writer'][i], meta['id'][i])
        smp = samples.setdefault(key, {'writer': key[0], 'id': key[1], 'label': meta['label'][i], 'y': int(y[i]), 'english': 0, 'scores': {}})
        smp['english'] = max(smp['english'], meta['english'][i])
        for name, c in cal.items():
            smp['scores'][name] = max(smp['scores'].get(name, 0.0), float(c[i]))
    oof_auc = {name: auc(c[tr], y[tr]) for name, c in cal.items()}
    if MERGE and os.path.exists(f'{DIR}/scores.json'):
        old = json.load(open(f'{DIR}/scores.json'))
        new = {(x['writer'], x['id']): x for x in samples.values()}
        for x in old['samples']:
            x['scores'] = {**x['scores'], **new[(x['writer'], x['id'])]['scores']}
        samples = {(x['writer'], x['id']): x for x in old['samples']}
        oof_auc = {**old['oofAuc'], **oof_auc}
    json.dump({'samples': list(samples.values()), 'oofAuc': oof_auc, 'gateLeftout': float((pN[lo] >= GATE).mean())}, open(f'{DIR}/{opt("--out", "scores.json")}', 'w'))
    print(f'{DIR}: {len(samples)} held-out samples; out-of-fold AUC on the training rows: ' + ', '.join(f'{k} {v:.3f}' for k, v in oof_auc.items()), flush=True)


def auc(s, y):
    s = np.asarray(s, dtype=np.float64)
    y = np.asarray(y)
    order = np.argsort(s, kind='mergesort')
    ranks = np.empty(len(s))
    ss = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and ss[j + 1] == ss[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    npos = (y > 0).sum()
    nneg = len(y) - npos
    if not npos or not nneg:
        return float('nan')
    return float((ranks[y > 0].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def recall_at(s, y, fpr):
    s = np.asarray(s)
    y = np.asarray(y)
    ben = np.sort(s[y == 0])[::-1]
    k = int(np.floor(fpr * len(ben)))
    t = ben[k] if k < len(ben) else -np.inf  # alert on scores strictly above the (k+1)-th highest benign score
    return float((s[y > 0] > t).mean()), float((s[y == 0] > t).mean())


def report_mode():
    dirs = [a for a in args[1:] if not a.startswith('--') and os.path.exists(f'{a}/scores.json')]
    res = {}
    allsamples = []
    dirs_samples = {}
    for d in dirs:
        sc = json.load(open(f'{d}/scores.json'))
        name = os.path.basename(d.rstrip('/'))
        smp = sc['samples']
        for x in smp:
            dirs_samples[(x['writer'], x['id'])] = name
        allsamples += smp
        res[name] = summarize(smp)
        res[name]['writers'] = sorted({s['writer'] for s in smp})
        res[name]['oofAuc'] = sc['oofAuc']
    res['pooled'] = summarize(allsamples)
    with_ord = [s for s in allsamples if 'ord' in s['scores']]
    if len(with_ord) == len(allsamples):
        with_ord = []
    if with_ord:
        res['pooled, order groups'] = summarize(with_ord)
    res['pooled English'] = summarize([s for s in allsamples if s['english']])
    res['pooled not English'] = summarize([s for s in allsamples if not s['english']])
    models = list(dict.fromkeys(m for r in res.values() for m in r['models']))
    print(f"{'set':<22} {'att/ben':>9}  " + '  '.join(f'{m:>22}' for m in models))
    for name, r in res.items():
        cell = lambda c: f"{c['auc']:.3f} {100 * c['r2']:4.1f} {100 * c['r5']:4.1f}"
        cells = [cell(r['models'][m]) if m in r['models'] else '-' for m in models]
        print(f"{name:<22} {r['attacks']:>4}/{r['benign']:<4}  " + '  '.join(f'{c:>22}' for c in cells))
    print('(each cell: ROC AUC, recall % at 2% FP, recall % at 5% FP; thresholds read on the held-out benign samples)')
    # Per category, pooled: recall at the pooled 2% FP threshold of each model.
    labels = sorted({x['label'] for x in allsamples if x['y']})
    y_all = np.array([x['y'] for x in allsamples])
    print('pooled, recall at 2% FP per category: ' + ', '.join(labels))
    for m in models:
        if not all(m in x['scores'] for x in allsamples):
            continue
        sc_ = np.array([x['scores'][m] for x in allsamples])
        ben = np.sort(sc_[y_all == 0])[::-1]
        t = ben[int(np.floor(0.02 * len(ben)))]
        per = [100 * np.mean([x['scores'][m] > t for x in allsamples if x['label'] == lab]) for lab in labels]
        print(f'  {m:<18} ' + ' / '.join(f'{v:.1f}' for v in per))
    # Paired bootstrap over the held-out samples (resampled within each group): each model minus the n-gram model.
    rng = np.random.default_rng(7)
    for title, pool in (('pooled', allsamples), ('order groups', with_ord)):
        if not pool:
            continue
        keys = sorted(set.intersection(*(set(x['scores']) for x in pool)) - {'lin'})
        byg = {}
        for i, x in enumerate(pool):
            byg.setdefault(dirs_samples[(x['writer'], x['id'])], []).append(i)
        y = np.array([x['y'] for x in pool])
        S = {m: np.array([x['scores'][m] for x in pool]) for m in keys + ['lin']}
        diffs = {m: [] for m in keys}
        for _ in range(opt('--boot', 200)):
            idx = np.concatenate([rng.choice(v, len(v)) for v in byg.values()])
            base_auc = auc(S['lin'][idx], y[idx])
            base_r2 = recall_at(S['lin'][idx], y[idx], 0.02)[0]
            for m in keys:
                diffs[m].append((auc(S[m][idx], y[idx]) - base_auc, recall_at(S[m][idx], y[idx], 0.02)[0] - base_r2))
        print(f'{title}: each model minus the n-gram model, paired bootstrap ({opt("--boot", 200)} resamples), 95% interval')
        for m in keys:
            d = np.array(diffs[m])
            lo_, hi_ = np.percentile(d, [2.5, 97.5], axis=0)
            print(f'  {m:<18} AUC {d[:, 0].mean():+.4f} [{lo_[0]:+.4f}, {hi_[0]:+.4f}]   recall at 2% FP {100 * d[:, 1].mean():+5.1f} [{100 * lo_[1]:+5.1f}, {100 * hi_[1]:+5.1f}] points')
        res[f'bootstrap {title}'] = {m: np.array(diffs[m]).mean(0).tolist() for m in keys}
    if '--json' in args:
        json.dump(res, open(opt('--json', ''), 'w'), indent=1)
    if '--markdown' in args:
        # one table: a row per set, a column per model (AUC / recall at 2% / recall at 5% FP)
        cols = [m for m in models if 'ungated' not in m]
        lines = ['| held out (attacks / benign) | ' + ' | '.join(cols) + ' |', '| --- |' + ' --- |' * len(cols)]
        for name, r in res.items():
            if 'models' not in r:
                continue
            title = ', '.join(w.replace('writer-', '') for w in r['writers']) if 'writers' in r else name
            cell = lambda c: f"{c['auc']:.3f} / {100 * c['r2']:.1f} / {100 * c['r5']:.1f}"
            lines.append(f"| {title} ({r['attacks']} / {r['benign']}) | " + ' | '.join(cell(r['models'][m]) if m in r['models'] else '-' for m in cols) + ' |')
        open(opt('--markdown', ''), 'w').write('\n'.join(lines) + '\n')


def summarize(smp):
    y = np.array([s['y'] for s in smp])
    out = {'attacks': int(y.sum()), 'benign': int(len(y) - y.sum()), 'models': {}}
    common = set.intersection(*(set(x['scores']) for x in smp))
    for m in [k for k in smp[0]['scores'] if k in common]:
        s = np.array([x['scores'][m] for x in smp])
        r2, f2 = recall_at(s, y, 0.02)
        r5, f5 = recall_at(s, y, 0.05)
        out['models'][m] = {'auc': auc(s, y), 'r2': r2, 'fp2': f2, 'r5': r5, 'fp5': f5}
    return out


if args and args[0] == 'train':
    train_mode()
elif args and args[0] == 'report':
    report_mode()
else:
    print(__doc__ if __doc__ else 'usage: security-heads-groups.py train DIR | report DIR…', file=sys.stderr)
    sys.exit(2)
