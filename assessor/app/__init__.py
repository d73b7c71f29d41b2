"""The faces: the command line and the upload server."""
