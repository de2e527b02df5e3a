VERSION = "1.0.0"
"""Version of the contract (paths, messages, error catalogue) the sandbox implements."""
