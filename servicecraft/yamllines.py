"""YAML loading that keeps line numbers and duplicate keys (pure Python, no Flask).

Form files and role-play scenarios are written by trainers, not programmers: every problem
they get must name its line, and a key written twice must be reported rather than silently
dropped as PyYAML does. Both file formats load through this one loader.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["LineMap", "line_of", "load"]


class LineMap(dict):
    """A YAML mapping that remembers its line, each key's line and the keys written twice."""

    line: int | None = None
    key_lines: dict
    duplicates: list


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml keeps loading fast


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that builds LineMaps instead of dicts."""


def _construct_map(loader: Any, node: yaml.MappingNode) -> LineMap:
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.duplicates = []
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in result:
            result.duplicates.append((key, key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


def load(text: str | bytes) -> Any:
    """Parse YAML safely; mappings come back as LineMaps. Raises yaml.YAMLError."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from a SafeLoader


def line_of(mapping: Any, key: object = None) -> int | None:
    """Return the line of *key* in *mapping* (else the mapping's own line), or None."""
    if not isinstance(mapping, LineMap):
        return None
    if key is not None and key in mapping.key_lines:
        return mapping.key_lines[key]
    return mapping.line
