"""Heading anchors as JupyterLab makes them, the heading's text with hyphens for spaces, so that
a chapter's link such as ``00_getting_started.ipynb#Notation`` works in the lab and in the book."""


def jupyterlab_slug(heading: str) -> str:
    return heading.replace(" ", "-")


def setup(app):
    return {"parallel_read_safe": True}
