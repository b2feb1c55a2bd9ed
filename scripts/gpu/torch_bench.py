#!/usr/bin/env python3
"""PyTorch twin of scripts/bench/train.ts: training seq/s of the same two models at the same shapes.

The yardstick for "how fast is our WebGPU path": skiptrain's reference models rebuilt in PyTorch —
  lstm:        Linear(F, H) encoder -> 1-layer LSTM(H) -> Linear(H, 1) per position
  transformer: Linear(F, H) + learned positions -> 2 pre-norm layers, 4 heads, causal mask, ff = 4*H -> Linear(H, 1)
— trained with masked BCE and Adam at B in {64, 512}, T=20, F=40, H=64. Warm-up steps first (cuDNN autotune,
allocator growth), then timed steps for a fixed time budget, synchronising the device before reading the clock.
One JSON line per (model, batch), the same fields scripts/bench/train.ts prints, backend "torch-cuda" or "torch-cpu".

  python3 scripts/gpu/torch_bench.py [--device cuda|cpu] [--batches 64,512] [--budget 2.0] [--features 40] [--threads N]

With --device cpu --features 88 --threads 1 (then 2) it is the CPU yardstick of the trainer-step rows of
`npm run bench -- train` ("step": "trainer", 88 input features).
"""
import argparse
import json
import sys
import time

T, F, H = 20, 40, 64


def build(kind, torch, nn):
    class LstmModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.encode = nn.Linear(F, H)
            self.lstm = nn.LSTM(H, H, num_layers=1, batch_first=True)
            self.head = nn.Linear(H, 1)

        def forward(self, x):
            h, _ = self.lstm(torch.tanh(self.encode(x)))
            return self.head(h).squeeze(-1)

    class TransformerModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.encode = nn.Linear(F, H)
            self.position = nn.Parameter(torch.zeros(T, H))
            layer = nn.TransformerEncoderLayer(
                d_model=H, nhead=4, dim_feedforward=4 * H, dropout=0.0, activation="relu", batch_first=True, norm_first=True
            )
            self.body = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(H)
            self.head = nn.Linear(H, 1)
            # Position t may attend to positions <= t only (no look-ahead), as in skiptrain.
            self.register_buffer("causal", torch.triu(torch.full((T, T), float("-inf")), diagonal=1))

        def forward(self, x):
            h = self.body(self.encode(x) + self.position, mask=self.causal)
            return self.head(self.norm(h)).squeeze(-1)

    return LstmModel() if kind == "lstm" else TransformerModel()


def measure(kind, batch, device, budget, torch, nn):
    torch.manual_seed(1)
    model = build(kind, torch, nn).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, T, F, device=device)
    y = (torch.rand(batch, T, device=device) < 0.5).float()
    mask = torch.ones(batch, T, device=device)
    loss_fn = nn.BCEWithLogitsLoss(reduction="none")

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = (loss_fn(model(x), y) * mask).sum() / mask.sum()
        loss.backward()
        optimizer.step()
        return loss

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(5):
        step()
    sync()
    steps = 0
    start = time.perf_counter()
    while steps < 2 or time.perf_counter() - start < budget:
        step()
        steps += 1
        if steps % 10 == 0:
            sync()  # keep the queue short so the budget check sees real time
    sync()
    ms = (time.perf_counter() - start) * 1000 / steps
    return {
        "model": kind,
        "backend": "torch-" + device.type,
        "batch": batch,
        "seqLen": T,
        "features": F,
        "hidden": H,
        "seqPerSec": round(batch / ms * 1000),
        "msPerStep": round(ms, 2),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }


def main():
    global F
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", help="cuda or cpu (default cuda)")
    parser.add_argument("--batches", default="64,512", help="comma-separated batch sizes (default 64,512)")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds of timed steps per case (default 2)")
    parser.add_argument("--models", default="lstm,transformer", help="comma-separated: lstm, transformer")
    parser.add_argument("--features", type=int, default=F, help=f"input features per position (default {F}; the trainer reads 88)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for torch (default: its own choice)")
    args = parser.parse_args()
    try:
        import torch
        from torch import nn
    except ImportError:
        print("torch_bench: PyTorch is not installed here (pip install torch)", file=sys.stderr)
        return 1
    if args.device == "cuda" and not torch.cuda.is_available():
        print("torch_bench: --device cuda but torch.cuda.is_available() is False", file=sys.stderr)
        return 1
    F = args.features
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    batches = [int(b) for b in args.batches.split(",")]
    for kind in args.models.split(","):
        if kind not in ("lstm", "transformer"):
            print(f"torch_bench: unknown model '{kind}' (lstm | transformer)", file=sys.stderr)
            return 2
        for batch in batches:
            print(json.dumps(measure(kind, batch, device, args.budget, torch, nn)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
