# SPDX-License-Identifier: GPL-2.0
"""Options every blkhold module takes: where the CLI and its store are."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  state_dir:
    description: The store of persistent holds (C(blkhold --state-dir)).
    type: path
  executable:
    description: The blkhold command.
    type: str
    default: blkhold
"""
