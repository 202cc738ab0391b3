"""The pages' controllers, by who uses them; each declares only the services it reads. A
handler that takes ``visit`` (deps.py, given by the pages' router) is for signed-in accounts."""

from family_safety.domain.family_center.controllers.guardian import GuardianPages
from family_safety.domain.family_center.controllers.home import HomePages
from family_safety.domain.family_center.controllers.profile import ProfilePages
from family_safety.domain.family_center.controllers.safety import SafetyPages
from family_safety.domain.family_center.controllers.sign_in import SignInPages
from family_safety.domain.family_center.controllers.teen import TeenPages

CONTROLLERS = (SignInPages, HomePages, GuardianPages, TeenPages, SafetyPages, ProfilePages)

__all__ = [
    "CONTROLLERS",
    "GuardianPages",
    "HomePages",
    "ProfilePages",
    "SafetyPages",
    "SignInPages",
    "TeenPages",
]
