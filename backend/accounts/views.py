from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend.accounts import services
from backend.accounts.forms import SignInForm, SignUpForm
from backend.accounts.profile_forms import DeleteAccountForm, OrganisationMemberForm, ProfileForm
from realtime.errors import Refused


@require_http_methods(["GET", "POST"])
def sign_up(request):
    # A workshop guest who signs up keeps their identity: their cards and votes become theirs.
    guest = request.user if getattr(request.user, "is_guest", False) else None
    initial = {"username": "", "email": ""} if guest else None
    form = SignUpForm(request.POST or None, instance=guest, initial=initial)
    if request.method == "POST" and form.is_valid():
        user = services.register_member(user=form.save(commit=False))
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        services.send_confirmation(user, base_url=request.build_absolute_uri("/")[:-1])
        messages.info(
            request,
            _("Bienvenue ! Confirmez votre adresse avec le lien envoyé à %(email)s.")
            % {"email": user.email},
        )
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = "home"
        return redirect(target)
    return render(request, "accounts/sign_up.html", {"form": form})


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


sign_in = SignInView.as_view()
sign_out = auth_views.LogoutView.as_view()


# Profiles --------------------------------------------------------------------------------


def profile(request, username: str):
    """A member's public page: what they chose to show, their projects, their organisations."""
    member = get_object_or_404(
        get_user_model()
        .objects.filter(is_active=True, is_guest=False)
        .select_related("neighbourhood")
        .prefetch_related("skills", "themes"),
        username=username,
    )
    context = {
        "member": member,
        "memberships": member.memberships.select_related("project").order_by("project__title"),
        "organisations": member.organisations.select_related("organisation"),
        "people": member.organisation_members.select_related("person")
        if member.is_organisation
        else [],
        "me": request.user.is_authenticated and request.user.pk == member.pk,
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request):
    user = request.user
    initial = {
        "display_name": user.public_name,
        "kind": user.kind,
        "bio": user.bio,
        "neighbourhood": user.neighbourhood,
        "skills": user.skills.filter(is_managed=True),
        "other_skills": ", ".join(
            user.skills.filter(is_managed=False).values_list("name", flat=True)
        ),
        "themes": user.themes.all(),
        "links": "\n".join(link["url"] for link in user.links),
        "public_fields": user.public_fields,
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    skills = [*data["skills"], *services.free_skills(form.other_skill_names())]
                    services.update_profile(
                        actor=user,
                        user_id=user.pk,
                        display_name=data["display_name"],
                        kind=data["kind"],
                        bio=data["bio"],
                        neighbourhood=data["neighbourhood"],
                        skills=skills,
                        themes=data["themes"],
                        links=data["links"].splitlines(),
                        public_fields=data["public_fields"],
                        avatar=data["avatar"] or None,
                        remove_avatar=data["remove_avatar"],
                    )
            except Refused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Votre profil est à jour."))
                return redirect("accounts:edit_profile")
    context = {
        "form": form,
        "member_form": OrganisationMemberForm(),
        "people": user.organisation_members.select_related("person")
        if user.is_organisation
        else [],
    }
    return render(request, "accounts/edit_profile.html", context, status=status)


@login_required
@require_POST
def resend_confirmation(request):
    if not request.user.email_confirmed:
        services.send_confirmation(request.user, base_url=request.build_absolute_uri("/")[:-1])
        messages.success(
            request,
            _("Un lien de confirmation est parti vers %(email)s.") % {"email": request.user.email},
        )
    return redirect("accounts:edit_profile")


def confirm(request, token: str):
    try:
        services.confirm_email(token)
    except Refused as refused:
        return render(
            request, "accounts/confirm_failed.html", {"message": refused.message}, status=400
        )
    messages.success(request, _("Merci : votre adresse est confirmée."))
    return redirect("accounts:edit_profile" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def add_member(request):
    form = OrganisationMemberForm(request.POST)
    if form.is_valid():
        try:
            services.add_organisation_member(
                actor=request.user,
                organisation_id=request.user.pk,
                identifier=form.cleaned_data["identifier"],
                admin=form.cleaned_data["admin"],
            )
        except Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Cette personne agit désormais pour votre organisation."))
    return redirect(reverse("accounts:edit_profile") + "#organisation")


@login_required
@require_POST
def remove_member(request, organisation_id: int, person_id: int):
    try:
        services.remove_organisation_member(
            actor=request.user, organisation_id=organisation_id, person_id=person_id
        )
    except Refused as refused:
        raise PermissionDenied(refused.message) from None
    messages.success(request, _("Membre retiré de l'organisation."))
    return redirect(reverse("accounts:edit_profile") + "#organisation")


@login_required
def export(request):
    data = services.export_data(request.user)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = (
        f'attachment; filename="faire-ensemble-{request.user.username}.json"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete(request):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(actor=request.user, password=form.cleaned_data["password"])
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            logout(request)
            messages.success(request, _("Votre compte est supprimé. Merci d'avoir fait avec nous."))
            return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)
