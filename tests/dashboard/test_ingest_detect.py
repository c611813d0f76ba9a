"""Detecting a file's format from its first lines."""

from __future__ import annotations

import pytest

from dashboard.ingest import detect_format
from dashboard.ingest.formats import FORMATS

SAMPLE_FORMATS = {
    "Android_2k.log": "android",
    "Apache_2k.log": "apache_error",
    "HDFS_2k.log": "hdfs",
    "Hadoop_2k.log": "log4j",
    "Linux_2k.log": "syslog",
    "OpenSSH_2k.log": "syslog",
    "Spark_2k.log": "spark",
    "Zookeeper_2k.log": "zookeeper",
}


@pytest.mark.parametrize(("filename", "format_name"), SAMPLE_FORMATS.items())
def test_each_loghub_sample_is_recognised(loghub_dir, filename, format_name):
    lines = (loghub_dir / filename).read_text().splitlines()
    assert detect_format(lines[:50]).name == format_name
    assert detect_format(lines[-50:]).name == format_name


@pytest.mark.parametrize("filename", SAMPLE_FORMATS)
def test_only_one_format_matches_a_sample(loghub_dir, filename):
    lines = (loghub_dir / filename).read_text().splitlines()[:200]
    matching = [log_format.name for log_format in FORMATS if any(log_format.matches(line) for line in lines)]
    assert matching == [SAMPLE_FORMATS[filename]]


def test_json_lines():
    lines = ['{"time": "2024-05-01T10:00:00Z", "level": "info", "msg": "up"}', "", '{"msg": "down"}']
    assert detect_format(lines).name == "jsonl"


def test_prose_and_nothing_are_unknown():
    assert detect_format(["Dear diary,", "today the build broke.", "{not json"]).name == "unknown"
    assert detect_format([]).name == "unknown"
    assert detect_format(["", "   "]).name == "unknown"


def test_a_log_opening_with_a_stack_trace_is_still_recognised():
    trace = ["java.io.IOException: Connection reset"] + [f"\tat org.example.Foo.bar(Foo.java:{n})" for n in range(30)]
    entries = [f"2015-10-18 18:01:4{n},978 INFO [main] org.example.Foo: step {n}" for n in range(8)]
    assert detect_format(trace + entries).name == "log4j"


def test_a_few_matching_lines_in_a_sea_of_text_are_not_enough():
    lines = ["just some text"] * 45 + ["2015-10-18 18:01:47,978 INFO [main] org.example.Foo: x"] * 5
    assert detect_format(lines).name == "unknown"
