"""PyTorch's side of bench/engine-kernels.ts: the same sgemm shapes and layer ops, timed in the same run.

Reads a JSON spec on stdin ({"gemm": [[M, K, N], ...], "variants": [...], "threads": T, "ops": true, "n": 3})
and prints one JSON document: {"torch": version, "threads": T, "gemm": [{M, K, N, variant, s}], "ops": {name: s}}.
Times are medians of n runs after a warm-up (seconds). The caller sets OPENBLAS_NUM_THREADS and OMP_NUM_THREADS
to T as well: torch.set_num_threads does not limit OpenBLAS's own pthreads.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def median_time(fn, n=5, warmup=1):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def gemm_case(M, K, N, variant):
    # op(A) is M×K, op(B) is K×N, stored as the Ops contract stores them.
    a = torch.randn(K, M).t() if variant[0] == "T" else torch.randn(M, K)
    b = torch.randn(N, K).t() if variant[1] == "T" else torch.randn(K, N)
    out = torch.empty(M, N)
    return lambda: torch.matmul(a, b, out=out)


def ops_cases():
    cases = {}
    N, V = 2048, 8192
    logits = torch.randn(N, V, requires_grad=True)
    targets = torch.randint(0, V, (N,))

    def ce():
        loss = F.cross_entropy(logits, targets)
        loss.backward()

    cases["cross-entropy fwd+bwd 2048×8192"] = ce
    g = torch.randn(N, 704, requires_grad=True)
    u = torch.randn(N, 704, requires_grad=True)
    dout = torch.randn(N, 704)

    def swiglu():
        (F.silu(g) * u).backward(dout)

    cases["swiglu fwd+bwd 2048×704"] = swiglu
    x = torch.randn(N, 256, requires_grad=True)
    w = torch.ones(256, requires_grad=True)
    dy = torch.randn(N, 256)

    def rmsnorm():
        var = x.pow(2).mean(-1, keepdim=True)
        (x * torch.rsqrt(var + 1e-6) * w).backward(dy)

    cases["rmsnorm fwd+bwd 2048×256"] = rmsnorm
    B, T, H, KV, D = 8, 256, 4, 2, 64
    q = torch.randn(B, H, T, D, requires_grad=True)
    k = torch.randn(B, KV, T, D, requires_grad=True)
    v = torch.randn(B, KV, T, D, requires_grad=True)
    do = torch.randn(B, H, T, D)
    mask = torch.full((T, T), float("-inf")).triu(1)

    def attention():
        kk = k.repeat_interleave(H // KV, dim=1)
        vv = v.repeat_interleave(H // KV, dim=1)
        s = torch.matmul(q, kk.transpose(-1, -2)) * D**-0.5 + mask
        p = torch.softmax(s, dim=-1)
        torch.matmul(p, vv).backward(do)

    cases["attention fwd+bwd B8 T256 H4 KV2 D64"] = attention
    p = torch.nn.Parameter(torch.randn(5_050_624))
    p.grad = torch.randn(5_050_624)
    opt = torch.optim.AdamW([p], lr=1e-3, weight_decay=0.1)
    cases["adamw 5,050,624 params"] = opt.step
    return cases


def main():
    spec = json.load(sys.stdin)
    out = {"torch": torch.__version__, "threads": spec["threads"], "gemm": [], "ops": {}}
    torch.set_num_threads(spec["threads"])
    for M, K, N in spec["gemm"]:
        for variant in spec["variants"]:
            s = median_time(gemm_case(M, K, N, variant), n=spec.get("n", 3))
            out["gemm"].append({"M": M, "K": K, "N": N, "variant": variant, "s": s})
    if spec.get("ops"):
        for name, fn in ops_cases().items():
            out["ops"][name] = median_time(fn, n=spec.get("n", 3))
    json.dump(out, sys.stdout)


main()
