"""Who may do what: the roles, the capabilities each role has, and the view decorators.

The bottom of the apps (only ``portal`` is below it): it imports no app of the portal, so every
app may ask it. Which objects a user sees is each app's own ``visibility`` module, asking this one.
"""
