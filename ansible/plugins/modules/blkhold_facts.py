#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0
"""blkhold's view of a host as facts: holds, stored holds, refusals."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: blkhold_facts
short_description: Return the host's legal holds as facts
description:
  - Runs C(blkhold list --json) and returns its document as the fact
    C(blkhold) (C(volumes), C(stored), C(waiting), as the admin guide describes
    them), plus C(blkhold_summary) with one entry per held volume (device,
    identity, hold names, refusals) for reports.
  - Changes nothing; supports check mode.
extends_documentation_fragment: blkhold.holds.blkhold
author: The blkhold developers
"""

EXAMPLES = r"""
- name: What does this host hold?
  blkhold.holds.blkhold_facts:

- name: Show it
  ansible.builtin.debug:
    var: ansible_facts.blkhold_summary
"""

RETURN = r"""
ansible_facts:
  description: C(blkhold) (the CLI's document) and C(blkhold_summary).
  type: dict
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.blkhold.holds.plugins.module_utils.blkhold import run_cli_json


def summary(doc):
    rows = [{
        "volume": v["device"],
        "identity": v.get("identity", ""),
        "holds": [h["name"] for h in v["holds"]],
        "refusals": v.get("refused_total", 0),
        "detached": v.get("detached", False),
    } for v in doc.get("volumes", [])]
    # Stored holds whose disk is not attached hold nothing now: say so.
    rows += [{
        "volume": "",
        "identity": r["identity"],
        "holds": [r["hold"]["name"]],
        "refusals": 0,
        "detached": True,
    } for r in doc.get("waiting", [])]
    return rows


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state_dir=dict(type="path"),
            executable=dict(type="str", default="blkhold"),
        ),
        supports_check_mode=True,
    )
    doc = run_cli_json(module, ["list", "--json"])
    module.exit_json(changed=False,
                     ansible_facts=dict(blkhold=doc, blkhold_summary=summary(doc)))


if __name__ == "__main__":
    main()
