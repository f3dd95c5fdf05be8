from django.urls import path

from otcsms.evidence import views as v

urlpatterns = [
    path("documents/", v.DocumentList.as_view(), name="document_list"),
    path("documents/new/", v.DocumentCreate.as_view(), name="document_create"),
    path("documents/<id:pk>/", v.document_detail, name="document_detail"),
    path("documents/<id:pk>/edit/", v.DocumentUpdate.as_view(), name="document_edit"),
    path("documents/<id:pk>/upload/", v.version_upload, name="document_upload"),
    path("documents/<id:pk>/retire/", v.document_retire, name="document_retire"),
    path("documents/<id:pk>/review/", v.document_review, name="document_review"),
    path("document-versions/<id:pk>/download/", v.version_download, name="documentversion_download"),
    path("document-versions/<id:pk>/diff/", v.version_diff, name="documentversion_diff"),
    path("document-versions/<id:pk>/submit/", v.version_transition, {"name": "submit"}, name="documentversion_submit"),
    path("document-versions/<id:pk>/approve/", v.version_transition, {"name": "approve"}, name="documentversion_approve"),
    path("document-versions/<id:pk>/reject/", v.version_transition, {"name": "reject"}, name="documentversion_reject"),
    path("evidence/attach/", v.attach_form, name="evidence_attach_form"),
    path("evidence/links/add/", v.link_add, name="evidence_link_add"),
    path("evidence/links/<id:pk>/remove/", v.link_remove, name="evidence_link_remove"),
    path("evidence/completeness/", v.completeness_page, name="evidence_completeness"),
    path("evidence/reviews/", v.reviews_page, name="evidence_reviews"),
]  # fmt: skip
