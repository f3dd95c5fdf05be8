from django.urls import path

from otcsms.directory import views

urlpatterns = [
    path("directory/", views.directory_page, name="directory"),
    path("directory/mappings/<id:pk>/edit/", views.mapping_edit, name="directory_mapping_edit"),
    path("directory/mappings/<id:pk>/delete/", views.mapping_delete, name="directory_mapping_delete"),
]
