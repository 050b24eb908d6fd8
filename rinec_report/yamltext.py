"""The one way YAML is read: a safe loader with bounds, for every document.

Configs, custom-section sidecars and custom tables' ``# key: value`` headers all come
from folders that others fill. A SafeLoader builds no Python objects, but nested aliases
("billion laughs") still expand exponentially when the data is copied, merged and shown
in the page, and deep nesting exhausts the stack; so every document is bounded here in
bytes, aliases, expanded values and depth before anything uses it.
"""

from __future__ import annotations

from typing import Any

# A config is a few hundred lines; aliases are for sharing a block or two.
MAX_YAML_BYTES = 1 << 20
MAX_ALIASES = 100
MAX_EXPANDED_NODES = 100_000


class YamlRefused(ValueError):
    """The text is not YAML, or is over a bound: a one-line reason (no file name)."""


def _bounded_loader() -> type:
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        """A SafeLoader that refuses too many aliases or a document whose
        aliases would expand to more than MAX_EXPANDED_NODES nodes."""

        aliases = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > MAX_ALIASES:
                    event = self.peek_event()
                    raise yaml.composer.ComposerError(
                        None, None, f"more than {MAX_ALIASES} aliases (*name)", event.start_mark
                    )
            return super().compose_node(parent, index)

        def compose_document(self) -> Any:
            node = super().compose_document()
            if self.aliases:
                expanded_size(node)
            return node

    return BoundedLoader


def expanded_size(root: Any) -> int:
    """Nodes of the document once every alias is expanded, counted in linear time
    (each distinct node once, times the number of paths that reach it)."""
    import yaml

    sizes: dict[int, int] = {}
    pending = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in pending:  # a recursive alias
            raise YamlRefused("refused: a YAML alias refers to the block that contains it")
        pending.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(v) for v in node.value)
        pending.discard(key)
        if total > MAX_EXPANDED_NODES:
            raise YamlRefused(f"refused: its aliases expand to more than {MAX_EXPANDED_NODES:,} values")
        sizes[key] = total
        return total

    return size(root)


def load_yaml(text: str | bytes) -> Any:
    """One YAML document as plain data, or :class:`YamlRefused` with a one-line reason.

    Bytes must be UTF-8. The bounds hold whatever the caller read: a text over
    MAX_YAML_BYTES is refused before it is parsed.
    """
    import yaml

    if isinstance(text, bytes):
        if len(text) > MAX_YAML_BYTES:
            raise YamlRefused(f"larger than {MAX_YAML_BYTES // 1024} KB of YAML; refused")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text[: exc.start].count(b"\n") + 1
            raise YamlRefused(f"line {line}: not UTF-8 text (byte 0x{text[exc.start]:02x}); save it as UTF-8") from None
    if len(text) > MAX_YAML_BYTES:
        raise YamlRefused(f"larger than {MAX_YAML_BYTES // 1024} KB of YAML; refused")
    try:
        return yaml.load(text, Loader=_bounded_loader())  # a SafeLoader subclass
    except YamlRefused:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlRefused(f"{where}not valid YAML ({problem})") from None
    except RecursionError:
        raise YamlRefused("refused: nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # The safe loader builds an unquoted 2021-02-29 as a date, and fails.
        detail = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
        raise YamlRefused(f"a value is not what YAML takes it for ({detail}; quote it)") from None
