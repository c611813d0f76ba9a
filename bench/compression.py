"""zlib levels 1 and 6, zstd and lz4 on the real dashboard and search payloads."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable

from bench.measure import summarise


def _codecs() -> dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]]:
    codecs = {
        "zlib-1": (lambda data: zlib.compress(data, 1), zlib.decompress),
        "zlib-6": (lambda data: zlib.compress(data, 6), zlib.decompress),
        "zlib-9": (lambda data: zlib.compress(data, 9), zlib.decompress),
    }
    try:
        import zstandard

        compressor, decompressor = zstandard.ZstdCompressor(level=3), zstandard.ZstdDecompressor()
        codecs["zstd-3"] = (compressor.compress, decompressor.decompress)
    except ImportError:
        pass
    try:
        import lz4.frame

        codecs["lz4"] = (lz4.frame.compress, lz4.frame.decompress)
    except ImportError:
        pass
    return codecs


def _time_us(function: Callable[[bytes], bytes], data: bytes) -> float:
    began = time.perf_counter_ns()
    function(data)
    return (time.perf_counter_ns() - began) / 1000


def run(payloads: dict[str, bytes], repeat: int = 300) -> dict:
    results: dict[str, dict] = {}
    codecs = _codecs()
    for payload_name, data in payloads.items():
        packed = {name: compress(data) for name, (compress, _) in codecs.items()}
        for name, (_, decompress) in codecs.items():
            assert decompress(packed[name]) == data, name
        timings: dict[str, dict[str, list[float]]] = {name: {"compress": [], "decompress": []} for name in codecs}
        # Codec by codec within each repetition: the machine's slow spells touch them all alike.
        for _ in range(repeat):
            for name, (compress, decompress) in codecs.items():
                timings[name]["compress"].append(_time_us(compress, data))
                timings[name]["decompress"].append(_time_us(decompress, packed[name]))
        rows = {
            name: {"bytes": len(packed[name]), "ratio": round(len(data) / len(packed[name]), 2),
                   "compress_us": round(summarise(timings[name]["compress"])["median"], 1),
                   "decompress_us": round(summarise(timings[name]["decompress"])["median"], 1)}
            for name in codecs
        }
        results[payload_name] = {"raw_bytes": len(data), "codecs": rows}
    return results
