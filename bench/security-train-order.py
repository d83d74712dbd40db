#!/usr/bin/env python3
# The gradient steps of the word-order head (apps/security/src/order.ts), in numpy: a 1-D convolution over frozen
# GloVe vectors (widths 2, 3, 4; F filters each), max-pool over time, ReLU, one linear output, trained with Adam on
# class-balanced logistic loss. bench/security-train-order.mjs prepares DIR (token rows, folds, vectors) and reads
# back DIR/models.json (one model per fold, trained without that fold, and one on every training row); the scores
# that count are computed by order.ts itself from the quantized tables.
#
# Usage: python3 bench/security-train-order.py DIR [--filters 16] [--epochs 12] [--lr 0.003] [--l2 1e-4]
#        [--batch 128] [--dropout 0.2] [--train-gate 0] [--seed 1]
import json
import sys
import time

import numpy as np

args = sys.argv[1:]
DIR = args[0]


def opt(name, default):
    return type(default)(args[args.index(name) + 1]) if name in args else default


F = opt('--filters', 16)
EPOCHS = opt('--epochs', 12)
LR = opt('--lr', 0.003)
L2 = opt('--l2', 1e-4)
BATCH = opt('--batch', 128)
DROPOUT = opt('--dropout', 0.2)
TRAIN_GATE = opt('--train-gate', 0.0)
SEED = opt('--seed', 1)
WIDTHS = (2, 3, 4)

meta = json.load(open(f'{DIR}/meta.json'))
N, T, V, D = meta['rows'], meta['maxTokens'], meta['words'], meta['dims']
toks = np.fromfile(f'{DIR}/tokens.i32', dtype=np.int32).reshape(N, T)
lens = np.fromfile(f'{DIR}/lengths.i32', dtype=np.int32)
G = np.zeros((V + 1, D), dtype=np.float32)  # row V: unknown word and padding (zero vector)
G[:V] = np.fromfile(f'{DIR}/vectors.f32', dtype=np.float32).reshape(V, D)
toks = np.where(toks < 0, V, toks)
y = np.array(meta['y'], dtype=np.float32)
fold = np.array(meta['fold'], dtype=np.int32)  # -1: held out
pgate = np.array(meta['pNgram'], dtype=np.float32)
train_rows = np.where(fold >= 0)[0]

# valid[w][i, t]: position t of row i is one order.ts evaluates for width w (0 ‥ max(0, n − w))
pos = np.arange(T)[None, :]
valid = {w: pos <= np.maximum(0, lens[:, None] - w) for w in WIDTHS}


def windows(X, w):
    # X (B, T, D) → (B, T − w + 1, w·D): the inputs of every position of width w
    P = T - w + 1
    return np.concatenate([X[:, k:k + P, :] for k in range(w)], axis=2)


def forward(p, idx, train=False, rng=None):
    X = G[toks[idx]]
    pooled, cache = [], []
    for wi, w in enumerate(WIDTHS):
        U = windows(X, w)
        Z = U @ p['W'][wi] + p['b'][wi]  # (B, P, F)
        mask = valid[w][idx][:, :T - w + 1]
        Z = np.where(mask[:, :, None], Z, -np.inf)
        am = Z.argmax(axis=1)  # (B, F)
        mx = np.take_along_axis(Z, am[:, None, :], axis=1)[:, 0, :]
        pooled.append(np.maximum(mx, 0))
        cache.append((U, am, mx))
    H = np.concatenate(pooled, axis=1)  # (B, 3F)
    drop = None
    if train and DROPOUT > 0:
        drop = (rng.random(H.shape) >= DROPOUT).astype(np.float32) / (1 - DROPOUT)
        H = H * drop
    s = H @ p['out'] + p['outB']
    return s, H, drop, cache


def fit(idx, seed):
    rng = np.random.default_rng(seed)
    p = {
        'W': [(rng.standard_normal((w * D, F)) / np.sqrt(w * D)).astype(np.float32) for w in WIDTHS],
        'b': [np.zeros(F, dtype=np.float32) for _ in WIDTHS],
        'out': (rng.standard_normal(3 * F) / np.sqrt(3 * F)).astype(np.float32),
        'outB': np.zeros(1, dtype=np.float32),
    }
    keys = [('W', i) for i in range(3)] + [('b', i) for i in range(3)] + [('out', None), ('outB', None)]
    get = lambda k: p[k[0]][k[1]] if k[1] is not None else p[k[0]]
    m1 = {k: np.zeros_like(get(k)) for k in keys}
    m2 = {k: np.zeros_like(get(k)) for k in keys}
    pos_n = y[idx].sum()
    neg_n = len(idx) - pos_n
    w_pos = neg_n / max(1, pos_n)
    norm = (pos_n * w_pos + neg_n) / len(idx)
    step = 0
    for ep in range(EPOCHS):
        order = rng.permutation(idx)
        for s0 in range(0, len(order), BATCH):
            b = order[s0:s0 + BATCH]
            s, H, drop, cache = forward(p, b, True, rng)
            pr = 1 / (1 + np.exp(-s))
            g = (pr - y[b]) * np.where(y[b] > 0, w_pos, 1.0) / norm / len(b)  # (B,)
            grads = {('out', None): H.T @ g + L2 * p['out'], ('outB', None): np.array([g.sum()], dtype=np.float32)}
            dH = g[:, None] * p['out'][None, :]
            if drop is not None:
                dH = dH * drop
            for wi, w in enumerate(WIDTHS):
                U, am, mx = cache[wi]
                dz = dH[:, wi * F:(wi + 1) * F] * (mx > 0)  # (B, F)
                Usel = np.take_along_axis(U, am[:, :, None], axis=1)  # (B, F, w·D): input at each filter's argmax
                grads[('W', wi)] = np.einsum('bf,bfk->kf', dz, Usel) + L2 * p['W'][wi]
                grads[('b', wi)] = dz.sum(axis=0)
            step += 1
            for k in keys:
                gk = grads[k].astype(np.float32)
                m1[k] = 0.9 * m1[k] + 0.1 * gk
                m2[k] = 0.999 * m2[k] + 0.001 * gk * gk
                upd = LR * (m1[k] / (1 - 0.9 ** step)) / (np.sqrt(m2[k] / (1 - 0.999 ** step)) + 1e-8)
                if k[1] is not None:
                    p[k[0]][k[1]] -= upd
                else:
                    p[k[0]] -= upd
    return p


def score(p, idx):
    out = np.empty(len(idx), dtype=np.float64)
    for s0 in range(0, len(idx), 512):
        out[s0:s0 + 512] = forward(p, idx[s0:s0 + 512])[0]
    return out


def dump(p):
    return {'W': [p['W'][i].reshape(-1).tolist() for i in range(3)], 'b': [p['b'][i].tolist() for i in range(3)],
            'out': p['out'].tolist(), 'outB': float(p['outB'][0])}


t0 = time.time()
fit_rows = train_rows[(pgate[train_rows] >= TRAIN_GATE) | (y[train_rows] > 0)] if TRAIN_GATE > 0 else train_rows
models = []
oof = np.zeros(N)
for k in range(5):
    tr = fit_rows[fold[fit_rows] != k]
    p = fit(tr, SEED + k)
    te = train_rows[fold[train_rows] == k]
    oof[te] = score(p, te)
    models.append(dump(p))
    print(f'fold {k}: {len(tr)} rows, {time.time() - t0:.0f} s', flush=True)
full = fit(fit_rows, SEED + 9)
print(f'full: {len(fit_rows)} rows, {time.time() - t0:.0f} s', flush=True)
json.dump({'filters': F, 'widths': WIDTHS, 'dims': D, 'epochs': EPOCHS, 'lr': LR, 'l2': L2, 'dropout': DROPOUT,
           'trainGate': TRAIN_GATE, 'folds': models, 'full': dump(full), 'oofFloat': oof.tolist()},
          open(f'{DIR}/models.json', 'w'))
print(f'wrote {DIR}/models.json')
