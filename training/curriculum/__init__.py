"""The starter curriculum (courses shipped as data) and its loader; see ``loader.py``."""
