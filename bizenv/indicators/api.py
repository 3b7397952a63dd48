from ninja import Router

router = Router(tags=["指标体系"])
