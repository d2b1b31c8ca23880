#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0
"""Keep an Ironic node protected while its disks carry legal holds."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: blkhold_ironic
short_description: Protect an OpenStack Ironic node while its disks are held
description:
  - Sets the Ironic node's C(protected) flag while the storage host's disks
    carry blkhold holds, with C(protected_reason) naming the cases
    (C(blkhold: CASE-1, CASE-2)), and clears it when the last hold is gone.
    Ironic itself then refuses to undeploy, rebuild or delete the node, so
    the re-provisioning that would wipe its disks does not start.
  - Run it where the Ironic API and its credentials are, not on the storage
    host; give it the holds of the node's storage host, for example from
    C(blkhold.holds.blkhold_facts) gathered there.
  - Clears only a protection it set itself (a reason starting with
    C(blkhold:)); one set by someone else is left as it is.
  - Needs API microversion 1.48 (protected); the node must be C(active) or in
    C(rescue) to be protected, as Ironic requires.
  - Supports check mode and diff mode.
options:
  url:
    description: The Ironic API's endpoint, for example C(http://ironic:6385).
    type: str
    required: true
  node:
    description: The node's UUID or name.
    type: str
    required: true
  holds:
    description:
      - The names of the holds on the node's disks (empty when there are none).
    type: list
    elements: str
    required: true
  token:
    description: A Keystone token, sent as X-Auth-Token (none for noauth).
    type: str
  timeout:
    description: Seconds to wait for the API.
    type: int
    default: 30
author: The blkhold developers
"""

EXAMPLES = r"""
- name: Read the storage host's holds
  blkhold.holds.blkhold_facts:
  delegate_to: "{{ storage_host }}"

- name: Keep Ironic from re-provisioning it while they last
  blkhold.holds.blkhold_ironic:
    url: https://ironic.example.net:6385
    node: "{{ ironic_node_uuid }}"
    holds: "{{ blkhold_summary | map(attribute='holds') | flatten | unique }}"
    token: "{{ keystone_token }}"
  delegate_to: localhost
"""

RETURN = r"""
protected:
  description: Whether the node is protected now.
  type: bool
  returned: always
protected_reason:
  description: The node's protected_reason now.
  type: str
  returned: always
"""

import json

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.request import Request, urlopen

API_VERSION = "1.48"
REASON_PREFIX = "blkhold: "


class IronicError(Exception):
    pass


def call(module, method, path, body=None):
    """One request to the Ironic API; its JSON reply."""
    url = module.params["url"].rstrip("/") + path
    headers = {"X-OpenStack-Ironic-API-Version": API_VERSION,
               "Accept": "application/json"}
    if module.params["token"]:
        headers["X-Auth-Token"] = module.params["token"]
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = Request(url, data=data, headers=headers, method=method)
    try:
        with urlopen(request, timeout=module.params["timeout"]) as reply:
            text = reply.read()
    except HTTPError as e:
        raise IronicError("%s %s: %s" % (method, path, error_text(e)))
    except URLError as e:
        raise IronicError("%s: %s" % (url, e.reason))
    return json.loads(text) if text else {}


def error_text(e):
    """Ironic's own message out of an error reply, else the status."""
    try:
        body = json.loads(e.read())
        detail = json.loads(body.get("error_message", "{}"))
        return detail.get("faultstring") or str(body)
    except ValueError:
        return "HTTP %d %s" % (e.code, e.reason)


def wanted(holds, node):
    """The protected flag and reason the node should have."""
    if holds:
        return True, REASON_PREFIX + ", ".join(sorted(set(holds)))
    if node.get("protected") and not (node.get("protected_reason") or "").startswith(
            REASON_PREFIX):
        return True, node.get("protected_reason")    # someone else's
    return False, None


def run(module):
    node = call(module, "GET", "/v1/nodes/" + module.params["node"])
    before = {"protected": bool(node.get("protected")),
              "protected_reason": node.get("protected_reason")}
    protected, reason = wanted(module.params["holds"], node)
    after = {"protected": protected, "protected_reason": reason}
    changed = before != after
    if changed and not module.check_mode:
        patch = [{"op": "replace", "path": "/protected", "value": protected}]
        if protected:
            patch.append({"op": "replace", "path": "/protected_reason", "value": reason})
        call(module, "PATCH", "/v1/nodes/" + node["uuid"], patch)
    result = dict(changed=changed, **after)
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            node=dict(type="str", required=True),
            holds=dict(type="list", elements="str", required=True),
            token=dict(type="str", no_log=True),
            timeout=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    try:
        module.exit_json(**run(module))
    except IronicError as e:
        module.fail_json(msg=str(e))


if __name__ == "__main__":
    main()
