"""What the two peer scripts share (peer_pytorch.py, peer_tensorflow.py): their command line, which names the
trainer's shape, and the one JSON line each prints."""
import argparse
import json

T = 20


def parse_args(doc):
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="lstm", choices=["lstm", "transformer"])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--features", type=int, default=88)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--heads", type=int, default=4, help="Transformer attention heads")
    p.add_argument("--ff", type=int, default=256, help="Transformer feed-forward width")
    p.add_argument("--buckets", type=int, default=8192, help="track-embedding rows (0 = none)")
    p.add_argument("--embed", type=int, default=8)
    p.add_argument("--tracks", type=int, default=5000, help="distinct track keys in the batch")
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--aux-weight", type=float, default=0.3)
    p.add_argument("--known-weight", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--budget", type=float, default=2.0, help="seconds of timed steps")
    p.add_argument("--device", default="cpu", help="cpu, or the framework's GPU device (cuda / gpu)")
    return p.parse_args()


def report(peer, a, ms_per_step, version):
    """The peer's row, as scripts/bench/peers.ts reads it."""
    row = {
        "step": "peer",
        "peer": peer,
        "model": a.model,
        "batch": a.batch,
        "hidden": a.hidden,
        "layers": a.layers,
        "buckets": a.buckets,
        "threads": a.threads,
        "device": a.device,
        "seqPerSec": round(a.batch / ms_per_step * 1000),
        "msPerStep": round(ms_per_step, 2),
        "version": version,
    }
    print(json.dumps(row), flush=True)
