"""Record formats: detecting and validating uploaded files, parsing them into documents with provenance,
and de-identification of text and DICOM. Pure library code: no database, no HTTP."""
