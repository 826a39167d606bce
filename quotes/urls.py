from django.urls import path

from quotes import views

urlpatterns = [
    path("prices/", views.price_book_list, name="price_book_list"),
    path("prices/<int:pk>/", views.price_book_detail, name="price_book_detail"),
    path("prices/<int:pk>/copy/", views.price_book_copy, name="price_book_copy"),
    path("prices/<int:pk>/edit/", views.price_book_edit, name="price_book_edit"),
    path("prices/<int:pk>/publish/", views.price_book_publish, name="price_book_publish"),
    path("prices/<int:pk>/delete/", views.price_book_delete, name="price_book_delete"),
    path("installations/<int:pk>/preview/", views.installation_preview,
         name="installation_preview"),
]
