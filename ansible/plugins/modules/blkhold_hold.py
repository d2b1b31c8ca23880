#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0
"""Place or release a legal hold on a block device with blkhold."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: blkhold_hold
short_description: Place or release a legal hold on a block device
description:
  - Places (C(state=present)) or releases (C(state=absent)) the hold NAME on a
    volume with the C(blkhold) command. While a volume has a hold, the kernel
    refuses every request that would change its data.
  - A hold that is already there, or already gone, reports no change.
    A hold that is there with another reason is left as it is (a hold's reason
    cannot change) and reported in a warning.
  - Supports check mode and diff mode. Failures carry blkhold's own message.
options:
  device:
    description:
      - The volume, as a path (C(/dev/disk/by-id/wwn-0x5000c500a1b2c3d4),
        C(/dev/sdb1)) or the disk's identity as C(blkhold list --json) prints it
        (C(device/wwid=naa.5000c500a1b2c3d4)).
      - With C(state=absent), an identity whose disk is not attached releases the
        stored hold waiting for it.
    type: str
    required: true
  name:
    description: The hold's name, unique on the volume (a case number).
    type: str
    required: true
  reason:
    description: Why the hold is placed or released (kept in the ledger).
    type: str
  state:
    description: Whether the hold should be there.
    type: str
    choices: [present, absent]
    default: present
  transient:
    description: Keep the hold in memory only (it ends at reboot or re-plug).
    type: bool
    default: false
  release_certs:
    description:
      - The custodians' X.509 certificates (PEM or DER files on the host). The
        hold is then released only with an order one of them signed.
    type: list
    elements: path
  retain_until:
    description:
      - A retention date for a stored hold, C(YYYY-MM-DD) or
        C(YYYY-MM-DDTHH:MM:SSZ) in UTC, or C(@SECONDS). Needs I(retain_mode).
      - For a hold that is there with an earlier date (or in governance mode
        when I(retain_mode=compliance)), the date is extended; an earlier date
        fails.
    type: str
  retain_mode:
    description:
      - C(compliance), no release before the date by anyone; C(governance),
        before it only on a custodian's order or with I(override).
    type: str
    choices: [governance, compliance]
  order:
    description: With C(state=absent), a custodian's signed release order (DER).
    type: path
  override:
    description:
      - With C(state=absent), release a governance hold without custodians
        before its date. Needs I(reason); recorded and announced as tamper.
    type: bool
    default: false
extends_documentation_fragment: blkhold.holds.blkhold
author: The blkhold developers
"""

EXAMPLES = r"""
- name: Preserve the customer's disk for case 2024-17
  blkhold.holds.blkhold_hold:
    device: /dev/disk/by-id/wwn-0x5000c500a1b2c3d4
    name: CASE-2024-17
    reason: Smith v. Jones, preservation order of 2026-11-20

- name: Release it when counsel says so
  blkhold.holds.blkhold_hold:
    device: device/wwid=naa.5000c500a1b2c3d4
    name: CASE-2024-17
    state: absent
    reason: order lifted 2027-02-01
"""

RETURN = r"""
device:
  description: The device node the hold is on (empty for a waiting stored hold).
  type: str
  returned: always
identity:
  description: The disk's identity, empty when it has none.
  type: str
  returned: always
holds:
  description: The names of the volume's holds after the task.
  type: list
  elements: str
  returned: always
"""

import calendar
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.blkhold.holds.plugins.module_utils.blkhold import (
    find_disk, is_identity, run_cli, run_cli_json)


def resolve(module):
    """(node, identity): node None when an identity names no attached disk."""
    device = module.params["device"]
    if is_identity(device):
        return find_disk(device), device
    if not os.path.exists(device):
        module.fail_json(msg="%s: no such device" % device)
    return os.path.realpath(device), None


def current_holds(module, node, identity):
    """{name: hold} on the volume and its identity; for an identity whose disk
    is not attached, the stored holds waiting for it."""
    if node is None:
        stored = run_cli_json(module, ["list", "--json"]).get("stored", [])
        return {r["hold"]["name"]: r["hold"] for r in stored
                if r["identity"] == identity}, identity
    status = run_cli_json(module, ["status", node, "--json"])
    return {h["name"]: h for h in status.get("holds", [])}, status.get("identity", "")


def parse_date(module, text):
    """Seconds since the epoch of a date as blkhold takes it."""
    if text.startswith("@") and text[1:].isdigit():
        return int(text[1:])
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return calendar.timegm(time.strptime(text, fmt))
        except ValueError:
            pass
    module.fail_json(msg="retain_until: not a date blkhold takes: %s" % text)
    return None


MODES = {"governance": 1, "compliance": 2}


def needs_extension(module, hold):
    """Whether an existing hold's date or mode is short of what is asked."""
    p = module.params
    if p["retain_until"] is None:
        return False
    until = parse_date(module, p["retain_until"])
    return (hold.get("retain_until") or 0) < until or \
        MODES.get(hold.get("retain_mode"), 0) < MODES[p["retain_mode"]]


def cli_args(module, node, identity, extend):
    """The blkhold command line that makes the task so."""
    p = module.params
    target = node if node is not None else identity
    present = p["state"] == "present"
    args = ["hold" if present else "release", target, "--name", p["name"]]
    if p["reason"] is not None:
        args += ["--reason", p["reason"]]
    if present and p["transient"]:
        args.append("--transient")
    if present and p["release_certs"] and not extend:
        for cert in p["release_certs"]:
            args += ["--release-cert", cert]
    if present and p["retain_until"] is not None:
        args += ["--retain-until", p["retain_until"], "--mode", p["retain_mode"]]
    if not present and p["order"]:
        args += ["--order", p["order"]]
    if not present and p["override"]:
        args.append("--override")
    return args


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type="str", required=True),
            name=dict(type="str", required=True),
            reason=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            transient=dict(type="bool", default=False),
            release_certs=dict(type="list", elements="path"),
            retain_until=dict(type="str"),
            retain_mode=dict(type="str", choices=["governance", "compliance"]),
            order=dict(type="path"),
            override=dict(type="bool", default=False),
            state_dir=dict(type="path"),
            executable=dict(type="str", default="blkhold"),
        ),
        supports_check_mode=True,
        required_together=[("retain_until", "retain_mode")],
    )
    p = module.params
    node, identity = resolve(module)
    if node is None and p["state"] == "present":
        module.fail_json(msg="%s: no attached disk has this identity" % p["device"])

    holds, shown_identity = current_holds(module, node, identity)
    identity = shown_identity or identity or ""
    before = sorted(holds)
    extend = False
    if p["state"] == "present":
        extend = p["name"] in holds and needs_extension(module, holds[p["name"]])
        changed = p["name"] not in holds or extend
        after = sorted(set(before) | {p["name"]})
    else:
        changed = p["name"] in holds
        after = sorted(set(before) - {p["name"]})

    if p["state"] == "present" and p["name"] in holds and p["reason"] is not None and \
            holds[p["name"]].get("reason", "") != p["reason"]:
        module.warn("hold %s on %s is there with another reason ('%s'); left as it is"
                    % (p["name"], node, holds[p["name"]].get("reason", "")))

    if changed and not module.check_mode:
        run_cli(module, cli_args(module, node, identity, extend))
        after = sorted(current_holds(module, node, identity)[0])

    module.exit_json(
        changed=changed, device=node or "", identity=identity, holds=after,
        diff=dict(before={"holds": before}, after={"holds": after},
                  before_header="%s (%s)" % (node or "", identity),
                  after_header="%s (%s)" % (node or "", identity)))


if __name__ == "__main__":
    main()
