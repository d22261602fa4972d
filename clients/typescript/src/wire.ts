// GENERATED from docs/openapi/v1.json by `npm run generate` (scripts/generate-wire.mjs, openapi-typescript).
// Do not edit: change Symbolon.Protocol, regenerate the OpenAPI document, then run `npm run generate`.
/* eslint-disable */

export interface paths {
    "/v1/accounts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["CreateAccount"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/account/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["ChangePassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/account/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["GetAccountSettings"];
        put: operations["ChangeAccountSettings"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["Login"];
        delete: operations["LogoutEverywhere"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["RefreshSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/current": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["Logout"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ListDevices"];
        put?: never;
        post: operations["EnrolDevice"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["RevokeDevice"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["ApproveDevice"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/units": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ListUnits"];
        put?: never;
        post: operations["CreateUnit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/units/{id}/release": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["ReleaseShare"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/units/uses": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["UseUnits"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/units/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["RotateUnit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/units/{id}/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["ConfirmRotation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/units/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["ShredUnit"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/units/{id}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["RestoreUnit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/oprf/key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OprfKey"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/oprf/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["RotateOprfKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/oprf/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["ConfirmOprfKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/units/{id}/evaluate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["EvaluateUnit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ListAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["VerifyAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit/key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AuditKey"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit/checkpoints/latest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["LatestAuditCheckpoint"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit/checkpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ListAuditCheckpoints"];
        put?: never;
        post: operations["CheckpointAudit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit/proofs/consistency": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AuditConsistencyProof"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit/proofs/inclusion": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AuditInclusionProof"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description The account's settings. */
        AccountSettings: {
            /** @description A device enrolled by a login may release or evaluate only once an existing device approved it. */
            requireDeviceApproval: boolean;
        };
        /** @description The server's public audit key (receipts are signed with it), as a JWK: kty EC, crv P-256, x, y base64url. */
        AuditKeyView: {
            kty: string;
            crv: string;
            x: string;
            y: string;
        };
        /** @description One audit record of the caller's account, with its chain hash. */
        AuditRecordView: {
            /**
             * Format: int64
             * @description Its position in the log.
             */
            sequence: number;
            /**
             * Format: date-time
             * @description When it was written.
             */
            time: string;
            /** @description What happened, e.g. "unit.released" (docs/api.md lists the events). */
            event: string;
            /**
             * Format: uuid
             * @description The device involved, if any.
             */
            deviceId: null | string;
            /**
             * Format: uuid
             * @description The unit involved, if any.
             */
            unitId: null | string;
            /**
             * Format: int32
             * @description The unit version (or key epoch) involved, if any.
             */
            unitVersion: null | number;
            /** @description Free text (never a secret); empty when there is none. */
            detail: string;
            /**
             * Format: byte
             * @description The record's chain hash (32 bytes).
             */
            hash: string;
        };
        /** @description The operator's walk of the whole audit chain and the audit log's tree and checkpoints. */
        AuditVerification: {
            /** @description True when every record links, the head matches, every leaf names its record and every checkpoint holds. */
            valid: boolean;
            /**
             * Format: int64
             * @description How many records verified.
             */
            records: number;
            /**
             * Format: int64
             * @description The first record that does not, if any.
             */
            firstBadSequence: null | number;
            /** @description What is wrong, if anything. */
            problem: null | string;
            /** @description The head's hash (hex) when valid. */
            headHash: null | string;
            /**
             * Format: int64
             * @description How many leaves the audit log's tree holds (records the checkpointer has appended).
             * @default 0
             */
            logLeaves?: number;
            /**
             * Format: int64
             * @description How many signed checkpoints verified.
             * @default 0
             */
            checkpoints?: number;
        };
        /** @description Changes the account's password. Every session of the account ends (on every device); the caller gets a fresh one. */
        ChangePasswordRequest: {
            /** @description The password now; a wrong one counts as a failed login. */
            currentPassword: string;
            /** @description At least the server's minimum length (default 12), at most 1,024 characters. */
            newPassword: string;
            /**
             * @description Also revoke every device of the account but the caller's.
             * @default false
             */
            revokeOtherDevices?: boolean;
        };
        /**
         * @description A signed checkpoint of the audit log (docs/spec.md §7.1): the Merkle tree head of its first TreeSize
         *     leaves, signed with the audit key.
         */
        CheckpointView: {
            /**
             * Format: int64
             * @description How many leaves.
             */
            treeSize: number;
            /**
             * Format: byte
             * @description MTH of those leaves (32 bytes).
             */
            rootHash: string;
            /**
             * Format: date-time
             * @description When the server signed it.
             */
            time: string;
            /**
             * Format: byte
             * @description ECDSA P-256 / SHA-256, IEEE P1363 (64 bytes).
             */
            signature: string;
        };
        /** @description The client has re-sealed under `version`: it becomes current and older versions are retired. */
        ConfirmRequest: {
            /** Format: int32 */
            version: number;
        };
        /** @description RFC 9162 §2.1.4 consistency proof from the tree of From leaves to the tree of To. */
        ConsistencyProofView: {
            /**
             * Format: int64
             * @description The older tree size.
             */
            from: number;
            /**
             * Format: int64
             * @description The newer tree size.
             */
            to: number;
            /** @description The proof's hashes, in order (32 bytes each). */
            proof: string[];
        };
        /** @description A new local account. */
        CreateAccountRequest: {
            /** @description 3-64 characters of a-z 0-9 . _ @ - (upper case is folded). */
            username: string;
            /** @description At least the server's minimum length (default 12), at most 1,024 characters. */
            password: string;
        };
        /** @description The account created. */
        CreateAccountResponse: {
            /** Format: uuid */
            userId: string;
            username: string;
        };
        /** @description An enrolled device of the caller's account. */
        DeviceView: {
            /**
             * Format: uuid
             * @description The device.
             */
            id: string;
            /** @description Its name, as given at enrolment. */
            name: string;
            /** @description The RFC 7638 thumbprint of its public key (base64url). */
            thumbprint: string;
            /**
             * Format: date-time
             * @description When it was enrolled.
             */
            createdAt: string;
            /**
             * Format: date-time
             * @description When it was revoked, if it was.
             */
            revokedAt: null | string;
            /**
             * Format: date-time
             * @description When it broke the distinct-unit quota, if it is locked.
             */
            lockedAt: null | string;
            /** @description True for the device making the request. */
            current: boolean;
            /**
             * @description True while the device awaits approval by an existing device (it cannot release).
             * @default false
             */
            pendingApproval?: boolean;
        };
        /** @description Enrols another device's public key from an existing session (e.g. to provision a sync host). */
        EnrolDeviceRequest: {
            /** @description A public P-256 JWK: kty EC, crv P-256, x, y; a private part is refused. */
            jwk: components["schemas"]["PublicJwk"];
            /** @description At most 100 characters; default "device". */
            name?: null | string;
        };
        /** @description Names a key epoch. */
        EpochRequest: {
            /** Format: int32 */
            epoch: number;
        };
        /** @description One blinded evaluation in a UseManyRequest: as EvaluateRequest, for the unit named. */
        EvaluateItem: {
            /** Format: uuid */
            unitId: string;
            /** Format: byte */
            blindedElement: string;
            /** Format: int32 */
            epoch: number;
        };
        /** @description One blinded element (a canonical, non-identity ristretto255 element, 32 bytes) to evaluate under an epoch. */
        EvaluateRequest: {
            /** Format: byte */
            blindedElement: string;
            /** Format: int32 */
            epoch: number;
        };
        /** @description The evaluated element, its DLEQ proof (64 bytes) and the signed receipt of the evaluation's audit record. */
        EvaluateResponse: {
            /** Format: uuid */
            unitId: string;
            /** Format: int32 */
            epoch: number;
            /** Format: byte */
            evaluatedElement: string;
            /** Format: byte */
            proof: string;
            receipt: components["schemas"]["ReceiptView"];
        };
        /** @description RFC 9162 §2.1.3 inclusion proof of the leaf that names record Sequence. */
        InclusionProofView: {
            /**
             * Format: int64
             * @description The audit record.
             */
            sequence: number;
            /**
             * Format: int64
             * @description Its leaf's position in the log, from 0.
             */
            leafIndex: number;
            /**
             * Format: int64
             * @description The tree the proof is for.
             */
            treeSize: number;
            /** @description The audit path, from the leaf up (32 bytes each). */
            path: string[];
        };
        /**
         * @description A password login; or, with an identity provider's JWT in "Authorization: Bearer", only `deviceName`.
         *     Either way the DPoP proof's key is the device being logged in (enrolled on first use).
         */
        LoginRequest: {
            username?: null | string;
            password?: null | string;
            deviceName?: null | string;
        };
        /**
         * @description What a key confirm did: the epochs retired now, and how many of the account's blinded units (items of other
         *     devices or homes) have not been evaluated under the confirmed epoch yet; while any remain, older keys are kept.
         */
        OprfConfirmResponse: {
            retired: number[];
            /** Format: int32 */
            pendingUnits: number;
        };
        /** @description The public key of the account's POPRF key for one epoch (RFC 9497 ristretto255-SHA512, 32 bytes). */
        OprfKeyResponse: {
            /** Format: int32 */
            epoch: number;
            /** Format: byte */
            publicKey: string;
        };
        /** @description RFC 9457 problem details. Clients decide by `type` (https://symbolon.dev/problems/<slug>), never by title or detail. */
        ProblemDetails: {
            /**
             * Format: uri
             * @enum {string}
             */
            type: "https://symbolon.dev/problems/invalid-request" | "https://symbolon.dev/problems/invalid-credentials" | "https://symbolon.dev/problems/unauthorized" | "https://symbolon.dev/problems/invalid-refresh-token" | "https://symbolon.dev/problems/operator-required" | "https://symbolon.dev/problems/device-revoked" | "https://symbolon.dev/problems/device-locked" | "https://symbolon.dev/problems/local-accounts-disabled" | "https://symbolon.dev/problems/not-found" | "https://symbolon.dev/problems/account-exists" | "https://symbolon.dev/problems/rate-limited" | "https://symbolon.dev/problems/quota-exceeded" | "https://symbolon.dev/problems/login-throttled" | "https://symbolon.dev/problems/signup-throttled" | "https://symbolon.dev/problems/share-damaged" | "https://symbolon.dev/problems/key-damaged" | "https://symbolon.dev/problems/reauthentication-required" | "https://symbolon.dev/problems/device-pending-approval" | "https://symbolon.dev/problems/request-too-large";
            title: string;
            /** Format: int32 */
            status: number;
            detail: string;
        };
        /** @description A public P-256 key as a JWK (RFC 7517): kty "EC", crv "P-256", x and y base64url; a private part (d) is refused. */
        PublicJwk: {
            /** @enum {string} */
            kty: "EC";
            /** @enum {string} */
            crv: "P-256";
            /** @description base64url, 32 bytes. */
            x: string;
            /** @description base64url, 32 bytes. */
            y: string;
        };
        /**
         * @description The server's signature over one use's audit record (docs/spec.md, release receipts): clients keep it and later
         *     check that the server's log still holds that record unchanged.
         */
        ReceiptView: {
            /**
             * Format: int64
             * @description The record's position in the audit log.
             */
            sequence: number;
            /**
             * Format: byte
             * @description The record's chain hash (32 bytes).
             */
            chainHash: string;
            /**
             * Format: uuid
             * @description The unit used.
             */
            unitId: string;
            /**
             * Format: uuid
             * @description The device that used it.
             */
            deviceId: string;
            /**
             * Format: date-time
             * @description When.
             */
            time: string;
            /**
             * Format: byte
             * @description ECDSA P-256 / SHA-256 over the receipt bytes, IEEE P1363 (64 bytes).
             */
            signature: string;
        };
        /**
         * @description Exchanges a single-use refresh token (with a DPoP proof from the session's device) for new tokens. A missing or
         *     empty token is an invalid refresh token (401), like an unknown one.
         */
        RefreshRequest: {
            refreshToken?: null | string;
        };
        /** @description One share to release in a UseManyRequest: the unit's version (default: the current one). */
        ReleaseItem: {
            /** Format: uuid */
            unitId: string;
            /** Format: int32 */
            version?: null | number;
        };
        /** @description Release one version's share (default: the current one). */
        ReleaseRequest: {
            /** Format: int32 */
            version?: null | number;
        };
        /** @description A released share and the signed receipt of its audit record. */
        ReleaseResponse: {
            /** Format: uuid */
            unitId: string;
            /** Format: int32 */
            version: number;
            /** Format: byte */
            share: string;
            receipt: components["schemas"]["ReceiptView"];
        };
        /** @description A device-bound session: use the access token as "Authorization: DPoP &lt;access token&gt;" with a DPoP proof. */
        SessionResponse: {
            /** @description Short-lived; bound to the device key. */
            accessToken: string;
            /** @description Always "DPoP". */
            tokenType: string;
            /**
             * Format: int32
             * @description Seconds until the access token expires.
             */
            expiresIn: number;
            /** @description Single-use; presenting it twice ends the session. */
            refreshToken: string;
            /**
             * Format: uuid
             * @description The session.
             */
            sessionId: string;
            /**
             * Format: uuid
             * @description The account.
             */
            userId: string;
            /**
             * Format: uuid
             * @description The device the session is bound to.
             */
            deviceId: string;
            /**
             * Format: int32
             * @description The session ends after this many seconds without use (refreshing counts as use); clients lock after it too.
             */
            idleTimeoutSeconds: number;
        };
        /**
         * @description Create or rotate a unit. `share` is normally absent and the server draws the share; a threshold client
         *     sends its own (one Shamir share of a secret it drew), which the server then treats exactly like one it drew.
         *     `blinded` (create only) makes a blinded-mode unit: no share, evaluated with the user's POPRF key.
         */
        ShareRequest: {
            /**
             * Format: byte
             * @description 32 bytes, or absent.
             */
            share?: null | string;
            /**
             * @description Create a blinded-mode unit; not together with `share`.
             * @default false
             */
            blinded?: boolean;
        };
        /** @description The unit and its new version's share, or no share when the client supplied it or the unit is blinded (version 0). */
        ShareResponse: {
            /** Format: uuid */
            unitId: string;
            /** Format: int32 */
            version: number;
            /** Format: byte */
            share: null | string;
        };
        /** @description A live unit of the caller's account and its versions, oldest first. */
        UnitView: {
            /** Format: uuid */
            id: string;
            /** Format: int32 */
            currentVersion: number;
            /** Format: date-time */
            createdAt: string;
            versions: components["schemas"]["VersionView"][];
        };
        /**
         * @description Several unit uses in one request (string Routes.UnitUses): share releases and blinded evaluations, each unit at most
         *     once, at most int UseManyRequest.MaxUnits in all. All or nothing: every use is released with its own audit record and receipt,
         *     or none is and the answer is a problem naming the refused units.
         */
        UseManyRequest: {
            /** @description Shares to release, as string Routes.UnitRelease would one by one. */
            releases?: null | components["schemas"]["ReleaseItem"][];
            /** @description Blinded evaluations, as string Routes.UnitEvaluate would one by one. */
            evaluations?: null | components["schemas"]["EvaluateItem"][];
        };
        /** @description Every use of a UseManyRequest, in the order asked, each with its own receipt. */
        UseManyResponse: {
            releases: components["schemas"]["ReleaseResponse"][];
            evaluations: components["schemas"]["EvaluateResponse"][];
        };
        /**
         * @description Whether a unit version's share can still be released.
         * @enum {unknown}
         */
        VersionState: "active" | "retired";
        /** @description One version of a unit. */
        VersionView: {
            /** Format: int32 */
            version: number;
            state: components["schemas"]["VersionState"];
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            retiredAt: null | string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    CreateAccount: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateAccountRequest"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreateAccountResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/local-accounts-disabled. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/account-exists. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/signup-throttled. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ChangePassword: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChangePasswordRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-credentials or https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-pending-approval or https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/login-throttled. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    GetAccountSettings: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountSettings"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ChangeAccountSettings: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AccountSettings"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountSettings"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-pending-approval or https://symbolon.dev/problems/device-revoked or https://symbolon.dev/problems/reauthentication-required. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/rate-limited. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    Login: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the device key being logged in (enrolled on first use). */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-credentials. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked or https://symbolon.dev/problems/local-accounts-disabled. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/login-throttled. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    LogoutEverywhere: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No Content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-pending-approval or https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    RefreshSession: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the device key. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RefreshRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-refresh-token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    Logout: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No Content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ListDevices: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceView"][];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    EnrolDevice: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EnrolDeviceRequest"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceView"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    RevokeDevice: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No Content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-pending-approval or https://symbolon.dev/problems/device-revoked or https://symbolon.dev/problems/reauthentication-required. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/rate-limited. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ApproveDevice: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceView"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-pending-approval or https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ListUnits: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UnitView"][];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    CreateUnit: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["ShareRequest"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ShareResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ReleaseShare: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["ReleaseRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReleaseResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-locked or https://symbolon.dev/problems/device-pending-approval or https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/quota-exceeded or https://symbolon.dev/problems/rate-limited. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/share-damaged. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    UseUnits: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UseManyRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UseManyResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-locked or https://symbolon.dev/problems/device-pending-approval or https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/quota-exceeded or https://symbolon.dev/problems/rate-limited. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/key-damaged or https://symbolon.dev/problems/share-damaged. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    RotateUnit: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["ShareRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ShareResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ConfirmRotation: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ConfirmRequest"];
            };
        };
        responses: {
            /** @description No Content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked or https://symbolon.dev/problems/reauthentication-required. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/rate-limited. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ShredUnit: {
        parameters: {
            query?: {
                now?: boolean;
            };
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No Content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked or https://symbolon.dev/problems/reauthentication-required. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/rate-limited. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    RestoreUnit: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No Content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    OprfKey: {
        parameters: {
            query?: {
                epoch?: number;
            };
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OprfKeyResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/key-damaged. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    RotateOprfKey: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OprfKeyResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/key-damaged. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ConfirmOprfKey: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EpochRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OprfConfirmResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked or https://symbolon.dev/problems/reauthentication-required. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/rate-limited. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    EvaluateUnit: {
        parameters: {
            query?: never;
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EvaluateRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EvaluateResponse"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-locked or https://symbolon.dev/problems/device-pending-approval or https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/quota-exceeded or https://symbolon.dev/problems/rate-limited. */
            429: {
                headers: {
                    /** @description Whole seconds to wait before trying again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/key-damaged. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ListAudit: {
        parameters: {
            query?: {
                after?: number;
                limit?: number;
            };
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditRecordView"][];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    VerifyAudit: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditVerification"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/operator-required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    AuditKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditKeyView"];
                };
            };
        };
    };
    LatestAuditCheckpoint: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckpointView"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    ListAuditCheckpoints: {
        parameters: {
            query?: {
                after?: number;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckpointView"][];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    CheckpointAudit: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckpointView"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/operator-required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    AuditConsistencyProof: {
        parameters: {
            query: {
                from: number;
                to: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsistencyProofView"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
    AuditInclusionProof: {
        parameters: {
            query: {
                sequence: number;
                treeSize: number;
            };
            header: {
                /** @description A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token. */
                DPoP: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InclusionProofView"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/invalid-request. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/unauthorized. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/device-revoked. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
            /** @description A problem of type https://symbolon.dev/problems/not-found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDetails"];
                };
            };
        };
    };
}
