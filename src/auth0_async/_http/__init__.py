"""The HTTP edge: the ASGI middleware, the ``/auth/*`` route handlers and their answers.

It turns requests into calls on the service kernel and the kernel's results into
responses; nothing below it knows about ASGI messages or status codes.
"""
