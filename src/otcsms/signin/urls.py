from django.urls import path

from otcsms.signin import views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/login/verify/", views.verify, name="signin_verify"),
    path("accounts/login/key/options/", views.key_login_options, name="signin_key_login_options"),
    path("accounts/login/key/", views.key_login, name="signin_key_login"),
    path("accounts/login/enrol/", views.enrol, name="signin_enrol"),
    path("account/reauth/", views.reauth, name="signin_reauth"),
    path("account/security/", views.security, name="signin_security"),
    path("account/security/totp/", views.totp, name="signin_totp"),
    path("account/security/keys/options/", views.key_options, name="signin_key_options"),
    path("account/security/keys/", views.key_add, name="signin_key_add"),
    path("account/security/recovery/", views.recovery, name="signin_recovery"),
    path("account/security/<slug:kind>/<id:pk>/remove/", views.remove, name="signin_remove"),
    path("account/sessions/", views.sessions, name="signin_sessions"),
    path("account/sessions/<id:pk>/revoke/", views.revoke, name="signin_revoke"),
    path("mfa-policy/", views.policy, name="signin_policy"),
]
