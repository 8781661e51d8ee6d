from django.urls import URLPattern

# Each page of the leads app adds its routes here.
urlpatterns: list[URLPattern] = []
