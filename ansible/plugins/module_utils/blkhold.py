# SPDX-License-Identifier: GPL-2.0
"""What the blkhold modules share: running the CLI and naming a disk."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

# The CLI's order: the first attribute a disk has is its identity.
IDENTITY_SOURCES = ("wwid", "device/wwid", "serial")


def cli_base(module):
    """The blkhold command with the global options the task gave."""
    cmd = [module.get_bin_path(module.params["executable"], required=True,
                               opt_dirs=["/usr/sbin", "/usr/local/sbin"])]
    if module.params.get("state_dir"):
        cmd += ["--state-dir", module.params["state_dir"]]
    return cmd


def run_cli(module, args, check_rc=True):
    """Run blkhold ARGS; on failure, fail the task with blkhold's own line."""
    cmd = cli_base(module) + args
    rc, out, err = module.run_command(cmd)
    if rc != 0 and check_rc:
        message = err.strip().splitlines()[-1] if err.strip() else "exit status %d" % rc
        module.fail_json(msg=message, rc=rc, cmd=cmd, stdout=out, stderr=err)
    return rc, out, err


def run_cli_json(module, args):
    _, out, _ = run_cli(module, args)
    try:
        return json.loads(out)
    except ValueError as e:
        module.fail_json(msg="blkhold %s printed no JSON: %s" % (" ".join(args), e))


def is_identity(device):
    """'device/wwid=naa.5000...' names a disk by identity, not by path."""
    return not device.startswith("/") and "=" in device


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except (IOError, OSError):
        return None


def disk_identity(sysdir):
    for source in IDENTITY_SOURCES:
        value = _read(os.path.join(sysdir, source))
        if value:
            return "%s=%s" % (source, value)
    return None


def find_disk(identity, sysfs="/sys/block"):
    """The /dev node of the whole disk with @identity, or None."""
    for name in sorted(os.listdir(sysfs)):
        if disk_identity(os.path.join(sysfs, name)) == identity:
            return "/dev/" + name
    return None
