"""Projects (byggesager): list, search, detail, inline create and edit."""
