"""Administration: users, housing associations with their areas, and companies."""
