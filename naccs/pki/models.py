"""Pickups (取得待ち) and the published CRL."""

from django.db import models
from django.utils import timezone

from naccs.lib.permanent import PermanentQuerySet, PermanentRecord, PermanentRecordError


class PickupQuerySet(PermanentQuerySet):
    """The home of the rule "an open pickup": neither acquired nor closed, and before its deadline."""

    def unused(self):
        return self.filter(acquired_at__isnull=True, closed_at__isnull=True)

    def open(self, now):
        """The terminal may 取得 now."""
        return self.unused().filter(expires_at__gt=now)

    def past_deadline(self, now):
        """Never used and past the deadline: to be closed."""
        return self.unused().filter(expires_at__lte=now)


class CertificatePickup(PermanentRecord):
    """A reissue opened by the morning run: the terminal may 取得 a new certificate until it expires (two months).

    Never deleted: it records which certificate a reissue issued (issue 24 #5)."""

    terminal = models.ForeignKey(
        "terminals.LogicalTerminal", on_delete=models.PROTECT, related_name="pickups", verbose_name="論理端末"
    )
    # The 申込 that opened it (a string reference: pki sits below applications and imports nothing of it).
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pickups",
        verbose_name="申込",
    )
    opened_at = models.DateTimeField("取得開始日時")
    expires_at = models.DateTimeField("取得期限")
    acquired_at = models.DateTimeField("取得日時", null=True, blank=True)
    closed_at = models.DateTimeField("締切日時", null=True, blank=True)
    certificate = models.ForeignKey(
        "terminals.Certificate", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PickupQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "証明書の取得待ち"
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["terminal", "acquired_at", "closed_at"])]

    def __str__(self) -> str:
        return f"{self.terminal} {timezone.localtime(self.opened_at):%Y/%m/%d}"


class PublishedQuerySet(PermanentQuerySet):
    def update(self, **fields):
        raise PermanentRecordError("発行した失効リスト(CRL)は変更できません。")


class CertificateRevocationList(PermanentRecord):
    """Each CRL we published, per CA generation; the newest of generation 1 is served at /pki/crl, of generation N at
    /pki/crl/gN (the address its certificates name). What was published stays as it was: never changed, never
    deleted (issue 24 #5). Each generation numbers its own CRLs (RFC 5280 §5.2.3: per issuer)."""

    generation = models.PositiveIntegerField("認証局の世代", default=1, db_default=1)
    number = models.PositiveBigIntegerField("CRL番号")
    this_update = models.DateTimeField("発行日時")
    next_update = models.DateTimeField("次回更新予定")
    der = models.BinaryField("CRL(DER)")

    objects = PublishedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "失効リスト(CRL)"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["generation", "number"], name="crl_number_per_generation")]

    def __str__(self) -> str:
        return f"CRL G{self.generation} #{self.number}"

    def save(self, *args, **kwargs):
        if self.pk and CertificateRevocationList.objects.filter(pk=self.pk).exists():
            raise PermanentRecordError("発行した失効リスト(CRL)は変更できません。")
        super().save(*args, **kwargs)


class PreparedResponseQuerySet(PermanentQuerySet):
    def forget_expired(self, now) -> None:
        """The one way answers are deleted: those of certificates expired by `now`, which OCSP no longer covers.
        An answer of a valid certificate (above all a revoked one) stays until its certificate expires."""
        models.QuerySet.delete(self.filter(certificate__not_after__lte=now))


class PreparedOCSPResponse(PermanentRecord):
    """A signed OCSP response kept for one certificate and one CertID hash (RFC 6960 §2.5, RFC 5019): requests are
    answered with it, without signing, while it is fresh (see naccs.pki.ocsp_prepared.fresh_responses)."""

    certificate = models.ForeignKey("terminals.Certificate", on_delete=models.PROTECT, related_name="+")
    hash_algorithm = models.CharField("CertIDのハッシュ", max_length=16)
    issuer_key_hash = models.BinaryField("発行者の鍵のハッシュ")  # which CA signed it (a rotation makes it stale)
    revoked = models.BooleanField("失効を示す")
    this_update = models.DateTimeField("作成日時")
    next_update = models.DateTimeField("次回更新予定")
    der = models.BinaryField("OCSPレスポンス(DER)")

    objects = PreparedResponseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "事前署名済みOCSPレスポンス"
        constraints = [
            models.UniqueConstraint(fields=["certificate", "hash_algorithm"], name="prepared_ocsp_per_cert_and_hash")
        ]

    def __str__(self) -> str:
        return f"OCSP {self.certificate_id} ({self.hash_algorithm})"


class ESTRenewal(models.Model):
    """An EST renewal as it was asked: the certificate presented, a digest of the request and of the key certified,
    and the certificate it gave. The same request sent again shortly after (its answer lost on the way) is answered
    from this row instead of 「更新済み」 (est.previous_renewal), on any host."""

    presented = models.ForeignKey(
        "terminals.Certificate", on_delete=models.PROTECT, related_name="+", verbose_name="提示された証明書"
    )
    issued = models.OneToOneField(
        "terminals.Certificate", on_delete=models.PROTECT, related_name="+", verbose_name="発行した証明書"
    )
    request_sha256 = models.CharField("証明書署名要求のSHA-256", max_length=64)
    public_key_sha256 = models.CharField("証明書の公開鍵のSHA-256", max_length=64)
    server_keygen = models.BooleanField("serverkeygen")
    renewed_at = models.DateTimeField("更新日時")

    class Meta:
        verbose_name = verbose_name_plural = "ESTによる更新"
        indexes = [models.Index(fields=["presented", "-renewed_at"])]

    def __str__(self) -> str:
        return f"EST {self.presented_id} → {self.issued_id}"


class OCSPResponderKey(models.Model):
    """A delegated OCSP responder (RFC 6960 §4.2.2.2): a certificate our CA issues for a few days to a key that signs
    OCSP answers, so that the revocation responder never holds the CA key. One per CA generation that publishes
    revocation data, each certified by its generation. Issued and renewed by the worker (naccs.pki.ocsp_signer);
    every host reads the newest from here."""

    issuer_key_hash = models.BinaryField("発行者の鍵のハッシュ")  # SHA-1 of the CA's key, as in a CertID
    # Each generation has its own responder; the database default serves rows of code of before generations.
    generation = models.PositiveIntegerField("認証局の世代", default=1, db_default=1)
    issuer_pem = models.TextField("認証局の証明書(PEM)")
    certificate_pem = models.TextField("OCSPレスポンダー証明書(PEM)")
    # PKCS#12, encrypted under a key derived from SECRET_KEY, which every process of the portal has.
    key_pkcs12 = models.BinaryField("OCSPレスポンダーの鍵(暗号化)")
    not_before = models.DateTimeField("有効期間開始")
    not_after = models.DateTimeField("有効期限")

    class Meta:
        verbose_name = verbose_name_plural = "OCSPレスポンダー証明書"
        ordering = ["-not_before", "-pk"]

    def __str__(self) -> str:
        return f"OCSP responder until {self.not_after:%Y-%m-%d %H:%M}"


class CAGeneration(PermanentRecord):
    """One generation of our issuing CA (issue 25 #1): its own key, its own DN ("… G2"), its own CRL and OCSP
    responder. Never deleted: a certificate names its issuer forever, and its revocation must stay verifiable
    against that generation's certificate. The life of a generation, one way only (naccs.pki.generations):

        prepared → published → issuing → superseded → retired

    prepared: key and certificate made, nobody trusts it yet. published: its certificate and the rollover
    certificates are served (/pki/ca.pem, EST /cacerts) so terminals learn it before it issues. issuing: the one
    generation that signs new certificates (exactly one at a time). superseded: a newer generation issues; this one's
    certificates are still trusted, renewed into the new one, and its CRL and OCSP answers still published.
    retired: no certificate of it is still valid and unrevoked (or it was forced: a compromise, which revoked them);
    it is no longer trusted for TLS, and still publishes its revocation data while any certificate of it is unexpired.
    """

    class State(models.TextChoices):
        PREPARED = "prepared", "準備済み"
        PUBLISHED = "published", "公開済み"
        ISSUING = "issuing", "発行中"
        SUPERSEDED = "superseded", "発行終了"
        RETIRED = "retired", "廃止"

    number = models.PositiveIntegerField("世代", unique=True)
    subject = models.CharField("サブジェクト", max_length=255)
    certificate_pem = models.TextField("認証局の証明書(PEM)")
    # RFC 7030 §4.1.3 with the generation before: this generation's key certified by the previous one, and the
    # previous generation's key certified by this one. Empty for generation 1.
    new_with_old_pem = models.TextField("NewWithOld(PEM)", blank=True)
    old_with_new_pem = models.TextField("OldWithNew(PEM)", blank=True)
    # Where its key and certificate are, relative to CA_DIR ("" for generation 1: the CA made before generations).
    folder = models.CharField("フォルダー", max_length=32, blank=True)
    state = models.CharField("状態", max_length=16, choices=State.choices)
    prepared_at = models.DateTimeField("準備日時")
    published_at = models.DateTimeField("公開日時", null=True, blank=True)
    issuing_at = models.DateTimeField("発行開始日時", null=True, blank=True)
    superseded_at = models.DateTimeField("発行終了日時", null=True, blank=True)
    retired_at = models.DateTimeField("廃止日時", null=True, blank=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "認証局の世代"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=models.Q(state="issuing"), name="one_issuing_generation"
            )
        ]

    def __str__(self) -> str:
        return f"G{self.number} {self.get_state_display()}"
