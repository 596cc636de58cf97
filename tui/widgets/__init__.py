"""Widgets of the TUI that are not stock Textual."""
