#!/usr/bin/env python3
"""Checks the links of the project's Markdown docs.

    check-doc-links.py [REPO_ROOT]

Walks README.md and every .md under docs/ and checks two kinds of reference:

* Markdown links and images, `[text](target)` and `[label]: target`: a
  relative target must exist (relative to the file; `/x` is relative to the
  repository root), and a `#fragment` must name a heading of the target file
  (GitHub's slug) or an explicit `<a id="...">` / `<a name="...">` in it.
  http(s) and mailto targets are not checked.
* Repository paths written as text, in backticks or not: every `docs/...`
  path that ends in .md, .log, .json, .txt or .csv, or in `/` (a folder),
  must exist relative to the repository root. Shell patterns are allowed and
  must match at least one path: `*`, `?`, `[...]` and `{a,b}`.

Prints one line per broken reference (FILE:LINE: ...) and exits with 1 if
there is any, else prints a summary and exits with 0. Standard library only.
"""

import glob
import os
import re
import sys
import urllib.parse

KNOWN_EXTENSIONS = (".md", ".log", ".json", ".txt", ".csv")

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
DOCS_PATH = re.compile(r"(?<![\w/.\-])docs/(?:[\w.\-/*?]|\[[^\]\s]*\]|\{[^}\s]*\})*")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
EXPLICIT_ANCHOR = re.compile(r"<a\s+(?:[^>]*\s)?(?:id|name)\s*=\s*\"([^\"]+)\"", re.IGNORECASE)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
GLOB_CHARS = re.compile(r"[*?\[\]{}]")


def markdown_files(root):
    files = []
    readme = os.path.join(root, "README.md")
    if os.path.isfile(readme):
        files.append(readme)
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, "docs")):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".md"):
                files.append(os.path.join(dirpath, name))
    return files


def lines_outside_fences(text):
    """Yields (line number, line, inside a fenced code block)."""
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if FENCE.match(line):
            fenced = not fenced
            yield number, line, True
            continue
        yield number, line, fenced


def github_slug(heading):
    text = re.sub(r"<[^>]+>", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


_anchor_cache = {}


def anchors_of(path):
    if path in _anchor_cache:
        return _anchor_cache[path]
    anchors = set()
    seen = {}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for _, line, fenced in lines_outside_fences(text):
        if fenced:
            continue
        for match in EXPLICIT_ANCHOR.finditer(line):
            anchors.add(match.group(1))
        heading = HEADING.match(line)
        if heading:
            slug = github_slug(heading.group(2))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else "%s-%d" % (slug, count))
    _anchor_cache[path] = anchors
    return anchors


def expand_braces(pattern):
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end():]
    out = []
    for alternative in match.group(1).split(","):
        out.extend(expand_braces(head + alternative + tail))
    return out


def path_exists(root, relative):
    """Whether a repository path (maybe a pattern) names something."""
    for pattern in expand_braces(relative):
        full = os.path.join(root, pattern)
        if GLOB_CHARS.search(pattern):
            if not glob.glob(full):
                return False
        elif not os.path.exists(full):
            return False
    return True


def check_link(root, source, target):
    """Returns the reason a Markdown link target is broken, or None."""
    if SCHEME.match(target):
        return None
    target, _, fragment = target.partition("#")
    target = urllib.parse.unquote(target)
    if not target:
        path = source
    elif target.startswith("/"):
        path = os.path.join(root, target.lstrip("/"))
    else:
        path = os.path.normpath(os.path.join(os.path.dirname(source), target))
    if not os.path.exists(path):
        return "no such file"
    if fragment and path.endswith(".md") and os.path.isfile(path):
        if urllib.parse.unquote(fragment) not in anchors_of(path):
            return "no anchor #%s in %s" % (fragment, os.path.relpath(path, root))
    return None


def clean_docs_path(text):
    # A sentence's punctuation is not part of the path.
    while text and text[-1] in ".,:;)":
        text = text[:-1]
    return text


def wants_check(path):
    return (path.endswith("/") or path.lower().endswith(KNOWN_EXTENSIONS)
            or bool(GLOB_CHARS.search(path)))


def check_file(root, path):
    problems = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rel = os.path.relpath(path, root)
    for number, line, fenced in lines_outside_fences(text):
        link_spans = []
        if not fenced:
            matches = list(INLINE_LINK.finditer(line))
            ref = REFERENCE_DEF.match(line)
            if ref:
                matches.append(ref)
            for m in matches:
                link_spans.append(m.span(1))
                reason = check_link(root, path, m.group(1))
                if reason:
                    problems.append("%s:%d: broken link '%s' (%s)" % (rel, number, m.group(1), reason))
        for match in DOCS_PATH.finditer(line):
            if any(start <= match.start() < end for start, end in link_spans):
                continue  # a link target, checked above
            docs_path = clean_docs_path(match.group(0))
            if not wants_check(docs_path):
                continue
            if not path_exists(root, docs_path):
                problems.append("%s:%d: broken path '%s' (nothing there)" % (rel, number, docs_path))
    return problems


def main(argv):
    root = os.path.abspath(argv[1] if len(argv) > 1 else
                           os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    files = markdown_files(root)
    problems = []
    for path in files:
        problems.extend(check_file(root, path))
    for problem in problems:
        print(problem)
    if problems:
        print("%d broken reference(s) in %d Markdown file(s)" % (len(problems), len(files)),
              file=sys.stderr)
        return 1
    print("check-doc-links: %d Markdown file(s), no broken reference" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
