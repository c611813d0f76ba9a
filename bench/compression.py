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


def _time_us(function: Callable[[bytes], bytes], data: bytes, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter_ns()
        function(data)
        samples.append((time.perf_counter_ns() - began) / 1000)
    return round(summarise(samples)["median"], 1)


def run(payloads: dict[str, bytes], repeat: int = 300) -> dict:
    results: dict[str, dict] = {}
    for payload_name, data in payloads.items():
        rows = {}
        for codec_name, (compress, decompress) in _codecs().items():
            packed = compress(data)
            assert decompress(packed) == data
            rows[codec_name] = {"bytes": len(packed), "ratio": round(len(data) / len(packed), 2),
                                "compress_us": _time_us(compress, data, repeat),
                                "decompress_us": _time_us(decompress, packed, repeat)}
        results[payload_name] = {"raw_bytes": len(data), "codecs": rows}
    return results
