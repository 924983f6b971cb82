"""accesssim: agent-based simulation of access to general practitioners in France."""

__version__ = "0.1.0"
