"""Import of existing data: candidates and placements from a CSV or XLSX file, checked in a dry
run before anything is saved, and saved in one transaction or not at all."""
