from pcs.settings import FLAVOUR

# pcs 0.11.5 keeps its library, bound to the first command's environment, in _CACHE for the life
# of its process; later pcs makes it per command. "unknown-cache": kept under a name the writer
# does not know.
if FLAVOUR == "0.11.5":
    _CACHE = {}
elif FLAVOUR == "unknown-cache":
    _MODULES = {}


def library(make):
    """The library for this command: make(), or the one an earlier command made, where kept."""
    kept = globals().get("_CACHE", globals().get("_MODULES"))
    if kept is None:
        return make()
    if "library" not in kept:
        kept["library"] = make()
    return kept["library"]
