"""Account pages (included at the site root by hr_system/urls.py)."""

from django.urls import path

from hr_system.accounts import views

urlpatterns = [
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/roles/", views.account_roles, name="account_roles"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("accounts/<int:account_id>/roles/", views.account_role_add, name="account_role_add"),
    path(
        "accounts/<int:account_id>/roles/<int:role_id>/remove/", views.account_role_remove, name="account_role_remove"
    ),
    path("accounts/<int:account_id>/link/", views.account_link, name="account_link"),
    path("accounts/<int:account_id>/active/", views.account_set_active, name="account_set_active"),
    path("accounts/<int:account_id>/password/", views.account_password_reset, name="account_password_reset"),
    path("account/password/", views.password_change, name="password_change"),
]
