#!/usr/bin/env python3
"""PyTorch's X.T @ X on the same GPU (issue #9's anchor for the GPU covariance), float64 and
float32, from host memory (a pageable NumPy array copied to the device inside the timing) and
on the device (the matrix already there), best of --repeat; --make writes the benchmark input
(N × C float32, seeded normal + 3, so the mean is not zero) first; --compare checks covlasso's
GPU result (bench/gpu/covariance.js --save) against torch's float64 one.

  python3 bench/gpu/torch_cov.py --make /tmp/x.npy --rows 1280000 --cols 1000
  python3 bench/gpu/torch_cov.py --file /tmp/x.npy [--compare /tmp/S-gpu.npy] [--repeat 3]
"""
import argparse
import json
import time

import numpy as np
import torch


def timed(fn, repeat):
    best = float("inf")
    out = None
    for _ in range(repeat):
        torch.cuda.synchronize()
        t = time.perf_counter()
        out = fn()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--make")
    ap.add_argument("--rows", type=int, default=1280000)
    ap.add_argument("--cols", type=int, default=1000)
    ap.add_argument("--file")
    ap.add_argument("--compare")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    if a.make:
        rng = np.random.default_rng(0)
        x = np.empty((a.rows, a.cols), dtype=np.float32)
        step = 65536
        for r in range(0, a.rows, step):
            x[r:r + step] = rng.standard_normal((min(step, a.rows - r), a.cols), dtype=np.float32) + 3.0
        np.save(a.make, x)
        print(json.dumps({"made": a.make, "rows": a.rows, "cols": a.cols}))
        return
    x = np.load(a.file)
    n = x.shape[0]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.ones(1, device="cuda")  # start the device outside the timings
    result = {"rows": n, "cols": x.shape[1], "device": torch.cuda.get_device_name(0)}
    host = torch.from_numpy(x)
    t64, s64 = timed(lambda: (lambda d: d.T @ d / n)(host.to("cuda").double()), a.repeat)
    t32, _ = timed(lambda: (lambda d: d.T @ d / n)(host.to("cuda")), a.repeat)
    result["torch_float64_from_host_s"] = t64
    result["torch_float32_from_host_s"] = t32
    dev32 = host.to("cuda")
    dev64 = dev32.double()
    result["torch_float64_on_device_s"], _ = timed(lambda: dev64.T @ dev64 / n, a.repeat)
    result["torch_float32_on_device_s"], _ = timed(lambda: dev32.T @ dev32 / n, a.repeat)
    if a.compare:
        ours = torch.from_numpy(np.load(a.compare)).to("cuda")
        ref = s64
        result["covlasso_vs_torch_float64_max_error_of_max_S"] = float((ours - ref).abs().max() / ref.abs().max())
        f32 = (dev32.T @ dev32 / n).double()
        result["torch_float32_vs_float64_max_error_of_max_S"] = float((f32 - ref).abs().max() / ref.abs().max())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
