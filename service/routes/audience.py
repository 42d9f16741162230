"""Audience fit and sponsorship: commenter regions, fan portraits, the target profile, sponsored
notes and quoted prices (issue #14, sections 2 and 3)."""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from models.market.audience import ProfileCheck, ProfileError, check_mapping, check_weights
from service.bodies import CheckedJSONRoute
from service.deps import KolDep, ReadPrincipal, SessionDep, WorkspaceDep, WritePrincipal, start_writing
from service.errors import InvalidInput, UnsupportedMediaType, problem_responses
from service.ingest.readers import InputFileError
from service.market import (
    entered_by,
    kol_audience,
    kol_sponsorship,
    read_profile_file,
    save_profile,
    save_quote,
)
from service.security import Principal
from service.store.market import latest_audience_profile

PROFILE_SUFFIXES = (".csv", ".xlsx")
MAX_PROFILE_BYTES = 1 << 20

router = APIRouter(
    tags=["audience"], responses=problem_responses(401, 403, 404, 422, 429), route_class=CheckedJSONRoute
)

Shares = dict[str, dict[str, float | str]]


class ProfileIn(BaseModel):
    """A profile as shares per dimension and bucket (percent or fraction), e.g.
    ``{"gender": {"female": 80, "male": 20}}``; ``weights`` only for the target."""

    dimensions: Shares = Field(max_length=5)
    weights: dict[str, float] = Field(default_factory=dict, max_length=5)


class QuoteIn(BaseModel):
    """A price the KOL quoted for one note of this format."""

    price: Decimal | str = Field(description="amount, e.g. 8000")
    currency: str = Field(default="CNY", max_length=3)


def _check(body: ProfileIn) -> tuple[Any, dict[str, float]]:
    if sum(len(b) for b in body.dimensions.values()) > 500:
        raise InvalidInput("a profile has at most 500 buckets")
    try:
        return check_mapping(body.dimensions), check_weights(body.weights)
    except ProfileError as exc:
        raise InvalidInput(str(exc)) from None


def store_profile(
    session: Any,
    principal: Principal,
    check: ProfileCheck,
    *,
    kind: str,
    source: str | None,
    kol_id: int | None = None,
    weights: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Store a checked profile entered by the calling key (the API's and the pages' one way to write it)."""
    start_writing(session)
    return save_profile(
        session,
        principal.workspace_id,
        entered_by(principal),
        check,
        kind=kind,
        kol_id=kol_id,
        weights=weights,
        source=source,
    )


@router.get("/kols/{kol_id}/audience", summary="Commenter regions, fan portrait, target and fit score")
def audience(kol: KolDep, principal: ReadPrincipal, session: SessionDep) -> dict[str, Any]:
    """Regions of real commenters with coverage, the latest fan portrait, the target and the fit."""
    return kol_audience(session, principal.workspace_id, kol)


@router.put("/kols/{kol_id}/audience-profile", summary="Enter a KOL's fan portrait (蒲公英) as JSON")
def put_profile(
    kol: KolDep, body: ProfileIn, principal: WritePrincipal, session: SessionDep
) -> dict[str, Any]:
    """Dimensions whose shares add up (100% ± 2) are kept; the others come back as errors."""
    check, _ = _check(body)
    return store_profile(session, principal, check, kind="kol", kol_id=kol.id, source="api")


def stored_upload(file: UploadFile, folder: Path) -> Path:
    """The uploaded profile file saved under ``folder`` (CSV or XLSX, at most 1 MB)."""
    name = Path(file.filename or "profile.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in PROFILE_SUFFIXES:
        raise UnsupportedMediaType(f"{name}: use a .csv or .xlsx file (dimension, bucket, share columns)")
    target = folder / f"profile{suffix}"
    with target.open("wb") as out:
        shutil.copyfileobj(file.file, out, length=1 << 16)
    if target.stat().st_size > MAX_PROFILE_BYTES:
        raise InvalidInput(f"{name}: a profile file is at most {MAX_PROFILE_BYTES // 1024} KB")
    return target


def import_profile(session: Any, principal: Principal, kol_id: int, file: UploadFile) -> dict[str, Any]:
    """Read, check and store an uploaded fan-portrait file (shared by the API and the page form)."""
    with tempfile.TemporaryDirectory() as folder:
        path = stored_upload(file, Path(folder))
        try:
            check = read_profile_file(path)
        except InputFileError as exc:
            raise InvalidInput(str(exc)) from None
    return store_profile(session, principal, check, kind="kol", kol_id=kol_id, source=file.filename)


@router.post(
    "/kols/{kol_id}/audience-profile/import",
    summary="Import a KOL's fan portrait file (CSV/XLSX)",
    responses=problem_responses(413, 415),
)
def import_file(
    kol: KolDep,
    principal: WritePrincipal,
    session: SessionDep,
    file: Annotated[
        UploadFile, File(description="CSV or XLSX with dimension, bucket, share columns (README)")
    ],
) -> dict[str, Any]:
    """Per-row errors come back beside the kept dimensions."""
    return import_profile(session, principal, kol.id, file)


@router.get("/audience-target", summary="The workspace's target audience profile")
def get_target(principal: ReadPrincipal, session: SessionDep) -> dict[str, Any]:
    row = latest_audience_profile(session, principal.workspace_id, "target")
    if row is None:
        return {"profile": None}
    return {
        "profile": {
            "shares": row.shares,
            "weights": row.weights,
            "entered_by": row.entered_by,
            "entered_at": row.entered_at.isoformat(timespec="seconds"),
        }
    }


@router.put("/audience-target", summary="Set the workspace's target audience profile")
def put_target(body: ProfileIn, principal: WritePrincipal, session: SessionDep) -> dict[str, Any]:
    """Same dimensions as a fan portrait, with optional weights (0-10, default 1) for the fit score."""
    check, weights = _check(body)
    return store_profile(session, principal, check, kind="target", weights=weights, source="api")


@router.get("/kols/{kol_id}/sponsorship", summary="Sponsored notes, engagement ratio, quoted prices")
def sponsorship(kol: KolDep, principal: ReadPrincipal, session: SessionDep) -> dict[str, Any]:
    """Sponsored notes with evidence and brands, sponsored-to-organic ER ratio, CPM / CPE of quotes."""
    return kol_sponsorship(session, principal.workspace_id, kol)


@router.put("/kols/{kol_id}/quotes/{note_format}", summary="Enter the price a KOL quoted per note format")
def put_quote(
    kol: KolDep,
    body: QuoteIn,
    principal: WritePrincipal,
    workspace: WorkspaceDep,
    session: SessionDep,
    note_format: Annotated[Literal["image", "video"], PathParam(description="image (图文) or video")],
) -> dict[str, Any]:
    """Stores the quote; answers the sponsorship section with its CPM and CPE."""
    start_writing(session)
    save_quote(
        session,
        principal.workspace_id,
        kol,
        note_format,
        body.price,
        body.currency or workspace.currency,
        entered_by(principal),
    )
    return kol_sponsorship(session, principal.workspace_id, kol)
