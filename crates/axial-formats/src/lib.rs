//! File formats in and out of Axial (filled in by the importers and REFI-QDA modules).
