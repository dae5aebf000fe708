"""Session persistence: the stateless cookie store, the stateful store driver, transactions.

Built on the core; talks to a :class:`~auth0_async.SessionStore` through its
Protocol and never to the network or the identity provider.
"""
