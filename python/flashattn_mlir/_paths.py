"""Where the shared libraries are: an environment variable, else the default
build folder of the checkout this package sits in (python/../build/lib)."""

import os

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_library(name, env):
    path = os.environ.get(env)
    if path:
        return path
    for d in (os.path.join(_ROOT, "build", "lib"),
              os.path.dirname(os.path.abspath(__file__)), _ROOT):
        candidate = os.path.join(d, name)
        if os.path.exists(candidate):
            return candidate
    return None
