"""Renderers that turn a journey model and its figures into reports (Word, HTML)."""
