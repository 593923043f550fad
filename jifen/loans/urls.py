from django.urls import URLPattern, URLResolver, path

from jifen.loans import views

urlpatterns: list[URLPattern | URLResolver] = [
    # The household
    path("my/loans/", views.my_loans, name="loans_my"),
    path("my/loans/consents/", views.grant_consent, name="loans_consent_grant"),
    path("my/loans/consents/<int:pk>/revoke/", views.revoke_consent, name="loans_consent_revoke"),
    path("my/loans/applications/", views.apply, name="loans_apply"),
    path("my/loans/applications/<int:pk>/withdraw/", views.withdraw, name="loans_withdraw"),
    # The bank officer
    path("bank/", views.bank_home, name="loans_bank_home"),
    path("bank/households/lookup/", views.bank_lookup, name="loans_bank_lookup"),
    path("bank/applications.xlsx", views.bank_export, name="loans_bank_export"),
    path("bank/applications/<int:pk>/", views.bank_application, name="loans_bank_application"),
    path("bank/applications/<int:pk>/approve/", views.bank_approve, name="loans_bank_approve"),
    path("bank/applications/<int:pk>/decline/", views.bank_decline, name="loans_bank_decline"),
    # The county admin
    path("counties/<str:code>/banks/", views.banks, name="loans_banks"),
    path("counties/<str:code>/banks/<int:pk>/", views.bank_admin, name="loans_bank_admin"),
    path(
        "counties/<str:code>/banks/<int:pk>/officers/",
        views.assign_officer,
        name="loans_officer_assign",
    ),
    path(
        "counties/<str:code>/banks/<int:pk>/officers/<int:officer_pk>/remove/",
        views.remove_officer,
        name="loans_officer_remove",
    ),
    path(
        "counties/<str:code>/banks/<int:pk>/policies/new/",
        views.new_policy,
        name="loans_policy_new",
    ),
    path("counties/<str:code>/banks/<int:pk>/keys/", views.issue_key, name="loans_key_issue"),
    path(
        "counties/<str:code>/banks/<int:pk>/keys/<int:key_pk>/revoke/",
        views.revoke_key,
        name="loans_key_revoke",
    ),
]
