"""Pure credit logic: no Qt, no file I/O, no clock. The assessment date is a parameter."""
