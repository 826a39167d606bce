"""The PBX user-list import (docs/IMPORT.md) through the API: the dry run plans with
customers/imports/pbx.py and writes nothing; applying its signed plan is one service call."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from api.idempotency import KEY_PARAMETER, idempotent
from api.serializers import renewals as s
from api.views.base import ApiView, today, validated
from customers import access, services
from customers.imports import ImportFileError, pbx


def _choose_location(user_list: pbx.UserList, installation, asked: str | None) -> str | None:
    """The location asked for, else the one named like the installation, else the only one
    with users; None when the user must choose."""
    if asked is not None:
        if asked not in user_list.locations:
            raise exceptions.ValidationError({"location": [
                _("The file has no location %(name)s.") % {"name": asked or '""'}]})
        return asked
    return pbx.default_location(user_list, installation)


class PbxDryRun(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(tags=["imports"], request={"multipart/form-data": s.PbxUploadSerializer},
                   responses=s.PbxDryRunSerializer)
    def post(self, request, pk: int):
        """Upload a PBX user list: what would change (nothing is written). Apply the returned
        `plan` with …/pbx-import/apply/."""
        installation = access.get_installation_for_user(request.user, pk)
        data = validated(s.PbxUploadSerializer, request)
        upload = data["file"]
        try:
            user_list = pbx.parse_user_list(upload.read(pbx.MAX_UPLOAD_BYTES + 1))
        except ImportFileError as error:
            raise exceptions.ValidationError({"file": [error.message]}) from None
        location = _choose_location(user_list, installation, data.get("location"))
        result = {"file": upload.name, "users": user_list.users, "location": location,
                  "locations": [{"name": loc.name, "users": loc.users}
                                for loc in user_list.sorted_locations()],
                  "lines": [], "not_mapped": [], "plan": None}
        if location is None:
            return Response(s.PbxDryRunSerializer(result).data)
        proposal = pbx.propose(user_list.locations[location], pbx.catalogue())
        lines, plan = pbx.review(installation, proposal, port=data.get("port"), today=today(),
                                 filename=upload.name)
        result.update(
            lines=lines, not_mapped=[{"attribute": a, "users": n} for a, n in proposal.not_mapped],
            plan=plan)
        return Response(s.PbxDryRunSerializer(result).data)


class PbxApply(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(tags=["imports"], request=s.PbxApplySerializer,
                   responses=s.PbxAppliedSerializer, parameters=[KEY_PARAMETER])
    @idempotent
    def post(self, request, pk: int):
        """Apply a dry run's `plan` in one transaction — refused, changing nothing, if the
        installation's licenses changed since the dry run."""
        installation = access.get_installation_for_user(request.user, pk)
        token = validated(s.PbxApplySerializer, request)["plan"]
        try:
            plan = pbx.load_plan(token, installation_pk=installation.pk)
        except ImportFileError as error:
            raise exceptions.ValidationError({"plan": [error.message]}) from None
        applied = services.installation_pbx_apply(
            installation=installation, targets=plan.targets, expected_current=plan.current,
            activated_on=today())
        return Response(s.PbxAppliedSerializer({"changes": applied}).data)

