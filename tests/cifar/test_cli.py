"""`nndl-hw4 data ...` through click's CliRunner: exit codes, output, ERROR/TIP on failure."""

import os

import pytest
from click.testing import CliRunner

from nndl_hw4.cifar import DIRNAME, md5_file
from nndl_hw4.cli import main

from .helpers import tree


@pytest.fixture
def run():
    def invoke(*args):
        return CliRunner().invoke(main, ["data", *map(str, args)])
    return invoke


def test_help_lists_both_commands_and_their_options(run):
    result = run("--help")
    assert result.exit_code == 0
    assert "download" in result.output and "generate" in result.output
    download = run("download", "--help").output
    for option in ("--dir", "--url", "--md5", "--force", "--quiet",
                   "c58f30108f718f92721af3b95e74349a"):
        assert option in download
    generate = run("generate", "--help").output
    for option in ("--dir", "--per-batch", "--test", "--seed", "SYNTHETIC"):
        assert option in generate


def test_generate_then_download_its_tarball(run, tmp_path):
    result = run("generate", "--dir", tmp_path / "gen", "--per-batch", 20, "--test", 10,
                 "--seed", 3, "--tarball", tmp_path / "c.tar.gz")
    assert result.exit_code == 0, result.output
    batches = tmp_path / "gen" / DIRNAME
    assert f"CIFAR-10 data: {batches}" in result.stdout
    assert f"export CIFAR10_DIR={tmp_path / 'gen'}" in result.stdout
    assert f"get_CIFAR10_data(cifar10_dir='{tmp_path / 'gen'}')" in result.stdout
    assert "num_training + num_validation <= 100" in result.stdout
    md5 = md5_file(tmp_path / "c.tar.gz")
    assert f"(md5 {md5})" in result.stdout

    result = run("download", "--dir", tmp_path / "dl", "--url", tmp_path / "c.tar.gz",
                 "--md5", md5)
    assert result.exit_code == 0, result.output
    assert f"CIFAR-10 data: {tmp_path / 'dl' / DIRNAME}" in result.stdout
    assert "CIFAR10_DIR" in result.stdout
    assert sorted(os.listdir(tmp_path / "dl" / DIRNAME)) == sorted(
        os.listdir(batches) + [".nndl-hw4-verified.json"])

    result = run("download", "--dir", tmp_path / "dl", "--url", tmp_path / "c.tar.gz",
                 "--md5", md5, "--quiet")
    assert result.exit_code == 0
    assert result.stdout == f"{tmp_path / 'dl' / DIRNAME}\n"
    assert result.stderr == ""


def test_generate_refuses_an_existing_folder_without_force(run, tmp_path):
    assert run("generate", "--dir", tmp_path, "--per-batch", 10, "--test", 10).exit_code == 0
    result = run("generate", "--dir", tmp_path, "--per-batch", 10, "--test", 10)
    assert result.exit_code == 1
    assert f"ERROR: {tmp_path / DIRNAME} already exists" in result.stderr
    assert "TIP:" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.output
    assert run("generate", "--dir", tmp_path, "--per-batch", 10, "--test", 10,
               "--force").exit_code == 0


def test_download_network_failure_is_an_error_with_a_tip(run, refused_url, tmp_path):
    result = run("download", "--dir", tmp_path, "--url", refused_url, "--quiet")
    assert result.exit_code == 1
    assert f"ERROR: could not download {refused_url}" in result.stderr
    assert "TIP:" in result.stderr and "--url" in result.stderr
    assert "Traceback" not in result.output
    assert tree(tmp_path) == []


def test_download_http_404(run, server, tmp_path):
    server.routes["/c.tar.gz"] = 404
    result = run("download", "--dir", tmp_path, "--url", server.url("/c.tar.gz"))
    assert result.exit_code == 1
    assert "HTTP 404" in result.stderr and "TIP:" in result.stderr
    assert tree(tmp_path) == []


@pytest.mark.parametrize("args, message", [
    pytest.param(["--md5", "xyz"], "is not an md5 checksum", id="bad-md5"),
    pytest.param(["--url", "ftp://example.org/c.tar.gz"], "only http://", id="bad-scheme"),
])
def test_download_usage_errors_exit_2(run, tmp_path, args, message):
    result = run("download", "--dir", tmp_path, *args)
    assert result.exit_code == 2
    assert "ERROR:" in result.stderr and message in result.stderr


def test_generate_rejects_negative_sizes(run, tmp_path):
    result = run("generate", "--dir", tmp_path, "--per-batch", -1)
    assert result.exit_code == 2
    assert tree(tmp_path) == []
