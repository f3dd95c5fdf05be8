from django.urls import path

from otcsms.org import views as v
from otcsms.ui.routes import crud_urls

urlpatterns = [
    path("organisation/", v.organisation_edit, name="organisation_edit"),
    *crud_urls("sites", "site", list_view=v.SiteList, create=v.SiteCreate, detail=v.SiteDetail,
               update=v.SiteUpdate, delete=v.SiteDelete),
    *crud_urls("people", "person", list_view=v.PersonList, create=v.PersonCreate, detail=v.PersonDetail,
               update=v.PersonUpdate, delete=v.PersonDelete),
    *crud_urls("csms-roles", "csmsrole", list_view=v.CsmsRoleList, create=v.CsmsRoleCreate,
               detail=v.CsmsRoleDetail, update=v.CsmsRoleUpdate, delete=v.CsmsRoleDelete),
    *crud_urls("activities", "csmsactivity", list_view=v.CsmsActivityList, create=v.CsmsActivityCreate,
               detail=v.CsmsActivityDetail, update=v.CsmsActivityUpdate, delete=v.CsmsActivityDelete),
    *crud_urls("role-assignments", "roleassignment", list_view=v.RoleAssignmentList,
               create=v.RoleAssignmentCreate, detail=v.RoleAssignmentDetail, update=v.RoleAssignmentUpdate,
               delete=v.RoleAssignmentDelete),
    *crud_urls("memberships", "membership", list_view=v.MembershipList, create=v.MembershipCreate,
               detail=v.MembershipDetail, update=v.MembershipUpdate, delete=v.MembershipDelete),
    path("sites/<id:pk>/raci/", v.raci_matrix, name="raci"),
    path("sites/<id:pk>/scope/", v.scope_page, name="scope"),
    path("sites/<id:pk>/scope/revise/", v.scope_revise, name="scope_revise"),
    path("scope/<id:pk>/approve/", v.scope_approve, name="scope_approve"),
    path("scope/<id:pk>/discard/", v.scope_discard, name="scope_discard"),
]  # fmt: skip
