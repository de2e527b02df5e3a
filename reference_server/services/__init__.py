"""Use cases of the API surfaces: one unit of work each, over the domain rules and storage."""
